"""The only package that speaks to git (GitPython, gitdb and the ``git`` program).

``repository.GitRepository`` is what the rest of the store uses; it stacks the levels of
this package, each on the one below: ``objects`` (the cat-file reader pool, reads that
start no process), ``reading`` (refs, log, blame, tags and other git commands),
``maintenance`` (gc and the commit-graph, run and stopped in the background), ``exchange``
(fetch and push to a shared remote, bundles for backups) and ``repository`` (writing
objects, compare-and-swap of refs through the one ``git update-ref --stdin`` of
``refupdates``, publishing).  ``parsers`` and ``refs`` hold what needs no
repository at all; ``merge`` merges texts without one; ``http_backend`` runs
``git http-backend`` for clones over HTTP.
"""
