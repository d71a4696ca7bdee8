"""What each ``wiki`` command does, a module per kind of work (serving, the data on disk,
accounts, mail), so that ``wiki.cli`` is only the command line that chooses one."""
