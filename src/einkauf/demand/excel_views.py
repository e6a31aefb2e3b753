from flask import Blueprint

bp = Blueprint("demand_excel", __name__)
