"""What the commands print: terminal, JSON, Markdown and CI views, kept apart from the rules."""
