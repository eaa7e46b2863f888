"""Extensions, created here and bound to the app in create_app()."""
from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints, so that Alembic can drop and alter them (SQLite batch mode
# needs names) and so that both databases agree on them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# The key of ``Session.info`` that holds the engine a report's reads go to (skills_app/replica.py).
REPORT_READS = "skills_app.report_reads"


class Session(FlaskSession):
    """``db.session``: once a report has asked for the replica (replica.for_reports),
    its reads go there: a SELECT, and ``connection()`` asked without a statement
    (the report streams' COPY). A flush, any other statement, and every session
    that has not asked, use the primary as always."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        replica = self.info.get(REPORT_READS)
        if replica is not None and bind is None and (
                (clause is None and mapper is None) or (clause is not None and getattr(clause, "is_select", False))):
            return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


db = SQLAlchemy(model_class=Base, session_options={"class_": Session})
login_manager = LoginManager()
csrf = CSRFProtect()
# Its storage (Redis when REDIS_URL is set, else memory) and moving-window strategy keep
# the throttling counters (skills_app/throttle.py); it limits no route by itself.
limiter = Limiter(key_func=get_remote_address, strategy="moving-window", key_prefix="skills_app",
                  headers_enabled=False, swallow_errors=True, in_memory_fallback_enabled=True)
