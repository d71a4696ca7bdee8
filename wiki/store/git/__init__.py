"""The git package: the only place where the wiki starts git."""
