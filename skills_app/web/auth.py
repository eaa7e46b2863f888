"""Sign-in, sign-out and changing one's own password."""
from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from skills_app import oidc, throttle
from skills_app.errors import InvalidInput
from skills_app.extensions import db
from skills_app.services import accounts, settings

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    submit = SubmitField("Sign in")


class PasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField("New password", validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD, max=1024, message=f"Use at least {accounts.MIN_PASSWORD} characters.")])
    confirm = PasswordField("New password again", validators=[DataRequired(), EqualTo("new", message="The two new passwords differ.")])
    submit = SubmitField("Change password")


def safe_next(target: str | None) -> str | None:
    """A path on this site, or None: never another host, scheme or protocol-relative URL."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _wait_message(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return (
        f"Too many failed sign-ins. For your security, please wait {minutes} minute{'s' if minutes != 1 else ''} "
        "before trying again."
    )


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    password_on = settings.password_sign_in()
    if request.method == "POST" and not password_on:
        flash(f"Password sign-in is turned off here: sign in with {oidc.provider_name()}.", "error")
        status = 403
    elif form.validate_on_submit():
        keys = throttle.sign_in_keys(form.email.data, request.remote_addr)
        wait = throttle.blocked_for(keys)
        if wait:
            flash(_wait_message(wait), "error")
            status = 429
        else:
            person = accounts.authenticate(form.email.data, form.password.data)
            if person is None:
                throttle.record_failure(keys)
                flash("That email and password do not match an active account.", "error")
                status = 401
            else:
                throttle.clear(keys[0])
                # A new session: nothing from before sign-in carries over.
                session.clear()
                login_user(person)
                accounts.record_sign_in(person)
                db.session.commit()
                return redirect(safe_next(request.args.get("next")) or url_for("main.dashboard"))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form, password_on=password_on,
                           oidc_on=oidc.configured(), provider=oidc.provider_name()), status


@bp.route("/logout", methods=["POST"])
def logout():
    # Signed in through the identity provider: its end-session endpoint, when
    # it has one, ends the provider's session too and sends the person back here.
    provider_logout = oidc.end_session_url(url_for("auth.login", _external=True))
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(provider_logout or url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_user, form.current.data, form.new.data)
        except InvalidInput as exc:
            db.session.rollback()
            field = form.current if "current" in exc.details else form.new
            field.errors = [*field.errors, exc.message]
            return render_template("auth/password.html", form=form), 400
        db.session.commit()
        # The session version changed: sign in again on this session only.
        # (The person itself, not the current_user proxy: Flask-Login keeps
        # what it is given as the current user, and a proxy to itself recurses.)
        login_user(current_user._get_current_object())
        flash("Your password is changed. Other sessions have been signed out.", "success")
        return redirect(url_for("main.dashboard"))
    return render_template("auth/password.html", form=form), (400 if form.errors else 200)
