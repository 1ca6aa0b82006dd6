"""`database.make_engine`: driver options go only to the driver that knows them."""

import pytest

from platform_adapter import database


@pytest.mark.parametrize("url, psycopg", [("postgresql+psycopg://u@127.0.0.1/db", True),
                                          ("postgresql://u@127.0.0.1/db", True),  # SQLAlchemy's default: psycopg
                                          ("postgresql+psycopg2://u@127.0.0.1/db", False)])
def test_psycopg_alone_is_told_to_prepare_nothing_itself(monkeypatch, url, psycopg):
    made = {}

    def create_engine(url, **kwargs):
        made.update(kwargs)
        raise database.ArgumentError("stop here")  # make_engine turns it into a ConfigError
    monkeypatch.setattr(database, "create_engine", create_engine)
    with pytest.raises(database.ConfigError):
        database.make_engine(url)
    assert made["connect_args"] == ({"prepare_threshold": None} if psycopg else {})
