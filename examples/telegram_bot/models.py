"""SQLAlchemy models of the sample tutoring bot: what the code expects the database to look like."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    # Every timestamp in this bot is timezone-aware; migrations say `timestamptz` to match.
    type_annotation_map = {datetime: DateTime(timezone=True)}


def _uuid_pk() -> Mapped[uuid.UUID]:
    return mapped_column(primary_key=True, server_default=text("gen_random_uuid()"))


def _now() -> Mapped[datetime]:
    return mapped_column(server_default=func.now())


class User(Base):
    """A Telegram user: teacher, student or admin."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = _uuid_pk()
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    username: Mapped[str | None] = mapped_column(String(64))
    first_name: Mapped[str | None] = mapped_column(String(255))
    last_name: Mapped[str | None] = mapped_column(String(255))
    language_code: Mapped[str | None] = mapped_column(String(10))
    role: Mapped[str] = mapped_column(String(20), server_default="student")
    is_blocked: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()

    conversations: Mapped[list[Conversation]] = relationship(back_populates="user")


class Conversation(Base):
    """One message of a user's dialogue with the assistant."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    model: Mapped[str | None] = mapped_column(String(64))
    tokens: Mapped[int | None] = mapped_column(Integer)
    # Was `started_at` until migration 006; incident 000 was code running against a
    # database where that rename had not been applied.
    created_at: Mapped[datetime] = _now()

    user: Mapped[User] = relationship(back_populates="conversations")


class Lesson(Base):
    __tablename__ = "lessons"
    __table_args__ = (
        CheckConstraint("end_time > start_time", name="ck_lessons_time_order"),
        Index("ix_lessons_teacher_id_start_time", "teacher_id", "start_time"),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    teacher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(255))
    start_time: Mapped[datetime]
    end_time: Mapped[datetime]
    max_students: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    deleted_at: Mapped[datetime | None]


class Booking(Base):
    """A student's place in a lesson; becoming `active` creates the chat room (by trigger)."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index("ix_bookings_lesson_id", "lesson_id"),
        Index(
            "ix_bookings_student_id_active",
            "student_id",
            postgresql_where=text("status = 'active' AND deleted_at IS NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = _uuid_pk()
    lesson_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # 'pending', 'active', 'completed', 'cancelled'
    status: Mapped[str] = mapped_column(String(50), server_default="pending")
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    deleted_at: Mapped[datetime | None]


class ChatRoom(Base):
    """A teacher-student chat, created by the trigger function ``create_chat_on_booking_active()``."""

    __tablename__ = "chat_rooms"
    __table_args__ = (UniqueConstraint("teacher_id", "student_id", name="uq_chat_rooms_teacher_student"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    teacher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    student_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    last_message_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()
    deleted_at: Mapped[datetime | None]


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_chat_room_id_created_at", "chat_room_id", "created_at"),)

    id: Mapped[uuid.UUID] = _uuid_pk()
    chat_room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("chat_rooms.id", ondelete="CASCADE"))
    sender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    message_text: Mapped[str] = mapped_column(Text)
    # 'pending_moderation', 'delivered', 'blocked'
    status: Mapped[str] = mapped_column(String(50), server_default="pending_moderation")
    moderation_completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = _now()
    deleted_at: Mapped[datetime | None]


class Job(Base):
    """A generation job; its result is sent to ``chat_id`` (incident 004: legacy tables lacked it)."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("idx_jobs_user_id", "user_id"),
        Index("idx_jobs_chat_id", "chat_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # The Telegram user id (users.telegram_id): jobs predate the uuid keys of `users`.
    user_id: Mapped[int] = mapped_column(BigInteger)
    model_id: Mapped[str] = mapped_column(Text)
    prompt: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(32), server_default="queued")
    result_url: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    finished_at: Mapped[datetime | None]
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    delivered_at: Mapped[datetime | None]
