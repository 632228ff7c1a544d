"""The conduct web service: FastAPI app, SQLAlchemy store, accounts and roles, hash-chained audit, pages.

Start it with ``doseflow serve``; :func:`doseflow.service.app.create_app` builds the
application on a migrated engine (:mod:`doseflow.service.store`).
"""
