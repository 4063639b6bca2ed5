from therapy_cli.cli import main

main()
