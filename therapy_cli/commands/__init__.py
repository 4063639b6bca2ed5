"""One module per command group: parse options, call the domain, hand the result to render."""
