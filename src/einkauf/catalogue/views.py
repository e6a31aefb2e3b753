"""Catalogue pages for the cooperative's coordinators: categories, products, CPV lookup."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from einkauf.catalogue import services
from einkauf.catalogue.forms import CategoryForm, NewCategoryForm, NewProductForm, ProductForm
from einkauf.errors import NotFound, StaleVersion, ValidationFailed
from einkauf.extensions import csrf
from einkauf.roles import Role
from einkauf.web import get_db, paginate, refuse, roles_required

bp = Blueprint("catalogue", __name__)

coordinator_only = roles_required(Role.COORDINATOR)


def _search() -> str:
    return request.args.get("q", "", type=str)[:100].strip()


def _actor():
    return current_user._get_current_object()


# --- categories ------------------------------------------------------------------------------

@bp.get("/warengruppen")
@coordinator_only
def category_list():
    db = get_db()
    search = _search()
    page = paginate(db, services.category_query(search))
    counts = services.product_counts(db, [c.id for c in page.items])
    return render_template("catalogue/category_list.html", page=page, counts=counts, search=search)


@bp.route("/warengruppen/neu", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt  # the form checks its own token and keeps the input when it expired
def category_new():
    form = NewCategoryForm()
    error = None
    if form.validate_on_submit():
        try:
            category = services.create_category(get_db(), _actor(), **form.values())
        except ValidationFailed as exc:
            error = refuse(exc, form)
        else:
            flash(gettext("Warengruppe „%(name)s“ angelegt.", name=category.name), "success")
            return redirect(url_for(".category_list"))
    return render_template("catalogue/category_form.html", form=form, category=None, error=error)


@bp.route("/warengruppen/<int:category_id>", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def category_edit(category_id: int):
    db = get_db()
    try:
        category = services.get_category(db, category_id)
    except NotFound:
        abort(404)
    form = CategoryForm()
    if request.method == "GET":
        form.fill_from(category)
    error, status, conflict = None, 200, False
    if form.validate_on_submit():
        try:
            services.update_category(db, _actor(), category_id, version=int(form.version.data or 0), **form.values())
        except StaleVersion as exc:
            # Keep what the user typed, show what is stored now; saving again is a deliberate choice.
            error, status, conflict = refuse(exc), 409, True
            form.version.data = str(category.version)
        except ValidationFailed as exc:
            error = refuse(exc, form)
        else:
            flash(gettext("Warengruppe „%(name)s“ gespeichert.", name=category.name), "success")
            return redirect(url_for(".category_list"))
    return render_template("catalogue/category_form.html", form=form, category=category, error=error,
                           conflict=conflict), status


# --- products --------------------------------------------------------------------------------

def _category_filter() -> int | None:
    value = request.args.get("warengruppe", "", type=str).strip()
    if value.isascii() and value.isdigit() and len(value) <= 9:
        return int(value)
    return None


@bp.get("/artikel")
@coordinator_only
def product_list():
    db = get_db()
    search, category_id = _search(), _category_filter()
    page = paginate(db, services.product_query(search, category_id))
    categories = services.category_choices(db, only_active=False)
    return render_template("catalogue/product_list.html", page=page, search=search, category_id=category_id,
                           categories=categories)


def _product_form(form_class, product=None):
    db = get_db()
    form = form_class()
    form.set_choices(services.category_choices(db, include_id=product.category_id if product else None),
                     services.unit_choices(db))
    if product is not None:
        form.keep_vat_choice(product.vat_rate)
    return form


@bp.route("/artikel/neu", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def product_new():
    form = _product_form(NewProductForm)
    if request.method == "GET" and request.args.get("warengruppe"):
        form.category_id.data = str(_category_filter() or "")
    error = None
    if form.validate_on_submit():
        try:
            product = services.create_product(get_db(), _actor(), **form.values())
        except ValidationFailed as exc:
            error = refuse(exc, form)
        else:
            flash(gettext("Artikel %(number)s angelegt.", number=product.number), "success")
            return redirect(url_for(".product_list"))
    return render_template("catalogue/product_form.html", form=form, product=None, error=error)


@bp.route("/artikel/<int:product_id>", methods=["GET", "POST"])
@coordinator_only
@csrf.exempt
def product_edit(product_id: int):
    db = get_db()
    try:
        product = services.get_product(db, product_id)
    except NotFound:
        abort(404)
    form = _product_form(ProductForm, product)
    if request.method == "GET":
        form.fill_from(product)
    error, status, conflict = None, 200, False
    if form.validate_on_submit():
        try:
            services.update_product(db, _actor(), product_id, version=int(form.version.data or 0), **form.values())
        except StaleVersion as exc:
            error, status, conflict = refuse(exc), 409, True
            form.version.data = str(product.version)
        except ValidationFailed as exc:
            error = refuse(exc, form)
        else:
            flash(gettext("Artikel %(number)s gespeichert.", number=product.number), "success")
            return redirect(url_for(".product_list"))
    return render_template("catalogue/product_form.html", form=form, product=product, error=error,
                           conflict=conflict), status


# --- CPV lookup ------------------------------------------------------------------------------

@bp.get("/cpv")
@coordinator_only
def cpv_list():
    db = get_db()
    search = _search()
    page = paginate(db, services.cpv_query(search))
    return render_template("catalogue/cpv_list.html", page=page, search=search,
                           loaded=services.count_cpv_codes(db))
