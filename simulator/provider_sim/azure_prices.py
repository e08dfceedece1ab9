"""Azure Retail Prices API (prices.azure.com under /azure-prices): unauthenticated
``GET /api/retail/prices?$filter=...`` answering ``{BillingCurrency, CustomerEntityId, Items[], NextPageLink, Count}``.

``$filter`` supports ``<field> eq '<value>'`` clauses joined by ``and`` (field names
case-insensitive, values exact), as the real API does for the common fields. Pages hold
``Paging.azure_retail_items`` items (the real API: 100); ``NextPageLink`` is the same URL plus ``$skip``.
Items: the PTU hourly meters (productName ``Azure OpenAI``, skuName ``Provisioned Managed Global|Data
Zone|Regional``, meterName ``... Unit``, unitOfMeasure ``1/Hour``) in three regions, their monthly
reservation rows, and a few token meters. Prices of the Data Zone / Regional SKUs and every meter id
are simulator conventions; the Global price equals the simulator's PTU charge
(``prices.AZURE_PTU_HOURLY_USD``).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from provider_sim.http import json_response
from provider_sim.prices import AZURE_PTU_HOURLY_USD
from provider_sim.stable import stable_id
from provider_sim.state import ErrorShapes, SimState

_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$", re.IGNORECASE)
REGIONS = {"eastus": "US East", "swedencentral": "SE Central", "westus3": "US West 3"}
PTU_SKUS = {  # skuName -> (meterName, hourly USD per PTU)
    "Provisioned Managed Global": ("Provisioned Managed Global Unit", AZURE_PTU_HOURLY_USD),
    "Provisioned Managed Data Zone": ("Provisioned Managed Data Zone Unit", Decimal("1.1")),
    "Provisioned Managed Regional": ("Provisioned Managed Regional Unit", Decimal("2")),
}


class RetailErrors(ErrorShapes):
    def _error(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
        return json_response({"Error": {"Code": code, "Message": message}}, status, headers)

    def auth(self, expired: bool) -> Response:  # the API is anonymous; only fault injection gets here
        return self._error(401, "Unauthorized", "Unauthorized")

    def throttled(self) -> Response:
        return self._error(429, "TooManyRequests", "Too many requests.", {"Retry-After": "1"})

    def server_error(self) -> Response:
        return self._error(500, "InternalServerError", "Internal server error.")


ERRORS = RetailErrors()


def _item(
    region: str, sku: str, meter: str, price: Decimal, unit: str, kind: str = "Consumption", term: str | None = None
) -> dict[str, Any]:
    item = {
        "currencyCode": "USD",
        "tierMinimumUnits": 0.0,
        "retailPrice": float(price),
        "unitPrice": float(price),
        "armRegionName": region,
        "location": REGIONS[region],
        "effectiveStartDate": "2024-08-01T00:00:00Z",
        "meterId": stable_id("", "meter", region, sku, meter, kind, length=32),
        "meterName": meter,
        "productId": "DZH318Z0BQ4P",
        "skuId": f"DZH318Z0BQ4P/{stable_id('', 'sku', sku, length=4)}",
        "productName": "Azure OpenAI",
        "skuName": sku,
        "serviceName": "Cognitive Services",
        "serviceId": "DZH318Z0BQPS",
        "serviceFamily": "AI + Machine Learning",
        "unitOfMeasure": unit,
        "type": kind,
        "isPrimaryMeterRegion": True,
        "armSkuName": "",
    }
    if term:
        item["reservationTerm"] = term
    return item


def catalog() -> list[dict[str, Any]]:
    items = []
    for region in REGIONS:
        for sku, (meter, price) in PTU_SKUS.items():
            items.append(_item(region, sku, meter, price, "1/Hour"))
            items.append(
                _item(
                    region,
                    sku,
                    meter,
                    (price * 730 * Decimal("0.7")).quantize(Decimal("0.01")),
                    "1/Month",
                    "Reservation",
                    "1 Month",
                )
            )
        items.append(_item(region, "gpt-4o-0806-Inp-glbl", "gpt-4o-0806-Inp-glbl Tokens", Decimal("0.0025"), "1K"))
        items.append(_item(region, "gpt-4o-0806-Outp-glbl", "gpt-4o-0806-Outp-glbl Tokens", Decimal("0.01"), "1K"))
    return items


def _matches(item: dict[str, Any], text: str) -> bool:
    if not text.strip():
        return True
    fields = {k.lower(): v for k, v in item.items()}
    for clause in re.split(r"\s+and\s+", text.strip(), flags=re.IGNORECASE):
        match = _CLAUSE.match(clause)
        if not match:
            raise ValueError(f"unsupported $filter clause: {clause}")
        name, value = match.groups()
        if str(fields.get(name.lower())) != value:
            return False
    return True


def create_blueprint(state: SimState) -> Blueprint:
    bp = Blueprint("azure_prices", __name__, url_prefix="/azure-prices")

    @bp.get("/api/retail/prices")
    def prices() -> Response:
        try:
            items = [i for i in catalog() if _matches(i, request.args.get("$filter", ""))]
        except ValueError as exc:
            return ERRORS._error(400, "BadRequest", str(exc))
        skip = int(request.args.get("$skip", "0") or 0)
        size = state.config.paging.azure_retail_items
        page = items[skip : skip + size]
        next_link = None
        if skip + size < len(items):
            args = {**request.args.to_dict(flat=False), "$skip": [str(skip + size)]}
            next_link = f"{request.base_url}?{urlencode(args, doseq=True, safe='$')}"
        return json_response(
            {
                "BillingCurrency": "USD",
                "CustomerEntityId": "Default",
                "CustomerEntityType": "Retail",
                "Items": page,
                "NextPageLink": next_link,
                "Count": len(page),
            }
        )

    return bp
