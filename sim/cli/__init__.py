"""The ``relsim`` command line: :func:`main` and one module per subcommand."""
