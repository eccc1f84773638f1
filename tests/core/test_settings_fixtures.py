def test_sdk_settings_fixtures_use_the_app_schema(event_settings, organizer_settings, platform_settings, registry):
    organizer_settings.set("reservation_time", 20)
    assert event_settings["reservation_time"] == 20
    platform_settings.set("max_items_per_order", 3)
    assert event_settings["max_items_per_order"] == 3
    assert event_settings.schema is registry.settings_schema
