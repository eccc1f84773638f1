"""Ticketry core: the Pyramid application and every service that is not a feature."""
