from flask import Blueprint

bp = Blueprint("demand", __name__)
