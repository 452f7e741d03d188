"""`helpdesk kb ...`."""
import click

kb_group = click.Group("kb", help="Knowledge base: search index, import and export.")
