"""The steps of order placement, by concern: lines (input), checks, capacity (locks), prices, fees, validity, mail.

:mod:`core.services.orders.placement` runs them in order; nothing here is public API.
"""
