"""payment-api: the demo payment service that logs through ``log_collector``.

Run it with ``uvicorn --app-dir examples/payment-api payment_api.main:create_app --factory``.
"""

__version__ = "2.4.1"
