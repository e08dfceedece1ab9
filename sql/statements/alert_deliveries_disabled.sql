-- Channel targets whose receiver answered 410 Gone: new deliveries to them fail at once.
SELECT DISTINCT channel_key
FROM genai_alert_deliveries
WHERE endpoint_disabled
