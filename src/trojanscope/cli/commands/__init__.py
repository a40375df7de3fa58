"""The CLI's commands, one module each; every module registers its commands (kind ``command``)
with :func:`trojanscope.cli.common.command`. Keep module-level imports light (no torch): every
command module is imported when the CLI starts."""
