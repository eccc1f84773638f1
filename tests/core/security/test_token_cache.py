"""API tokens on an organizer's routes come from the process cache until a token or team of it changes."""

from __future__ import annotations

PATH = "/organizers/demo/events/conf/vouchers/"


def _token_reads(statements):
    return [s for s in statements if s.startswith("SELECT") and "FROM team_api_token" in s]


def test_the_next_request_reads_no_token_and_a_revocation_reaches_it(api_client, event, make_api_token, organizer,
                                                                    record_statements):
    own = make_api_token(organizer, everything=True)
    with record_statements() as first:
        api_client.get(PATH, headers=own)
    with record_statements() as second:
        api_client.get(PATH, headers=own)
    assert len(_token_reads(first)) == 1 and _token_reads(second) == []
    team = api_client.get("/organizers/demo/teams/").json["results"][-1]
    tokens = api_client.get(f"/organizers/demo/teams/{team['id']}/tokens/").json["results"]
    api_client.delete(f"/organizers/demo/teams/{team['id']}/tokens/{tokens[0]['id']}/", status=200)
    assert api_client.get(PATH, headers=own, status=401).json == {"detail": "Invalid token."}


def test_a_token_of_another_organizer_is_never_cached_for_this_one(api_client, event, make_api_token,
                                                                   other_organizer, record_statements):
    foreign = make_api_token(other_organizer, everything=True)
    api_client.get(PATH, headers=foreign, status=403)
    with record_statements() as again:
        api_client.get(PATH, headers=foreign, status=403)
    assert len(_token_reads(again)) == 2  # looked up for the cache (not stored), then for the answer
