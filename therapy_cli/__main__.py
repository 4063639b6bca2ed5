from therapy_cli.fast import main

main()
