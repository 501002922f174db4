"""``python -m qualcode``: the same as the ``qualcode`` command."""

from qualcode.entry import main

if __name__ == "__main__":
    main()
