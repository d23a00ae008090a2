import sys

try:
    from chat_app.cli.commands import main

    sys.exit(main())
except KeyboardInterrupt:  # Ctrl-C while Python was still importing: no traceback either
    sys.exit(130)
