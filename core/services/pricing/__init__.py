"""Pricing: pure, table-driven price computation for carts and orders (no database access, no models).

Modules by concern: :mod:`.taxes` (gross <-> net, tax rule evaluation), :mod:`.listed` (listed price, vouchers and
budgets, free price, line price), :mod:`.bundles` (designated prices, multiplicity), :mod:`.discounts`
(automatic discounts), :mod:`.rounding` (order-level tax rounding modes) and :mod:`.adapters` (model objects ->
the frozen specs these functions take). Refusals raise :class:`core.services.errors.PricingError`.
"""
