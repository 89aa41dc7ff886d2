"""The models' attribute map marks classic Column(...) attributes, so a rename hint speaks their style."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declarative_base, mapped_column

from pgwarden.contract.models import CLASSIC_SUFFIX, _attributes


def test_classic_columns_are_marked_and_mapped_ones_are_not() -> None:
    Classic = declarative_base()

    class Chat(Classic):  # type: ignore[valid-type,misc]
        __tablename__ = "pgw_attr_chats"
        id = Column(BigInteger, primary_key=True)
        title = Column(String(64))

    class Modern(DeclarativeBase):
        pass

    class User(Modern):
        __tablename__ = "pgw_attr_users"
        id: Mapped[int] = mapped_column(BigInteger, primary_key=True)

    classic = _attributes(Classic.metadata)
    assert classic["public.pgw_attr_chats.title"] == "Chat.title"
    assert classic["public.pgw_attr_chats.title" + CLASSIC_SUFFIX] == "Column"
    modern = _attributes(Modern.metadata)
    assert modern["public.pgw_attr_users.id"] == "User.id"
    assert "public.pgw_attr_users.id" + CLASSIC_SUFFIX not in modern
