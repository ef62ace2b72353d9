"""The commands of the command line, one module per group; importing a module registers its commands."""
