"""Bundled Ticketry plugins. Each is a normal plugin found through the ``ticketry.plugins`` entry point."""
