"""Demo content: who works here, the categories, and the tickets they handle.

A ticket is a dict: customer (a USERS key), subject, body (Markdown), category (a slug),
priority, channel, optional shop/order/product references, age_hours, and steps played
in order through the domain functions:

    ("reply", user, text[, status_after])   public reply
    ("note", user, text)                    internal note
    ("take", agent)                         assign to oneself
    ("escalate", agent, (summary, tried, articles_checked))
    ("return", agent, to_level, instructions)
    ("status", agent, status)               e.g. "resolved"
    ("close", customer)                     confirm the resolution / close
"""

USERS = {
    "customer": {"email": "customer@example.com", "name": "Lena Fischer", "role": "customer",
                 "language": "de", "shop_name": "Lenas Lieblingsstücke"},
    "customer2": {"email": "customer2@example.com", "name": "Sam Carter", "role": "customer",
                  "language": "en", "shop_name": "Carter Sneaker Co."},
    "l1": {"email": "l1@example.com", "name": "Jonas Weber", "role": "agent", "level": 1,
           "language": "de"},
    "l2": {"email": "l2@example.com", "name": "Priya Shah", "role": "agent", "level": 2,
           "language": "en"},
    "l3": {"email": "l3@example.com", "name": "Miriam Koch", "role": "agent", "level": 3,
           "language": "de"},
    "admin": {"email": "admin@example.com", "name": "Alex Admin", "role": "admin",
              "language": "en"},
}

CATEGORIES = [
    ("orders", "Orders & returns", "Bestellungen & Retouren"),
    ("payouts", "Payouts & commissions", "Auszahlungen & Provisionen"),
    ("shop-setup", "Shop set-up", "Shop-Einrichtung"),
    ("social-sync", "Social-media sync", "Social-Media-Synchronisierung"),
    ("influencers", "Influencer codes", "Influencer-Codes"),
    ("account", "Account & login", "Konto & Anmeldung"),
]

TICKETS = [
    {
        "customer": "customer", "lang": "de", "category": "payouts", "priority": "high",
        "channel": "web", "shop": "Lenas Lieblingsstücke", "age_hours": 30,
        "subject": "Auszahlung für Oktober fehlt",
        "body": "Hallo,\n\ndie Auszahlung für meine Oktober-Verkäufe ist noch nicht auf "
                "meinem Konto angekommen. Im Dashboard steht **ausgezahlt** am 3. November.\n\n"
                "Könnt ihr bitte nachsehen?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, danke für die Nachricht! Ich prüfe die Auszahlung "
                            "und melde mich heute noch.", "open"),
            ("escalate", "l1", ("Auszahlung laut System am 3.11. erfolgt, Kundin hat kein Geld.",
                                "IBAN im Profil geprüft (korrekt), Auszahlungsprotokoll "
                                "angesehen: Status 'sent'.",
                                "Auszahlungen: Zeitplan und Status")),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "social-sync", "priority": "urgent",
        "channel": "instagram", "shop": "Carter Sneaker Co.", "product": "SKU-AIR-42",
        "age_hours": 3,
        "subject": "Instagram shop shows wrong prices",
        "body": "Since this morning every product in my Instagram shop shows the price "
                "**without VAT**. Customers are checking out at the wrong price!",
        "steps": [],
    },
    {
        "customer": "customer", "lang": "de", "category": "orders", "priority": "normal",
        "channel": "whatsapp", "order": "ORD-2026-10422", "age_hours": 80,
        "subject": "Rücksendung wurde nicht erstattet",
        "body": "Meine Kundin hat die Bestellung zurückgeschickt, aber die Rückerstattung "
                "hängt seit einer Woche.",
        "steps": [
            ("reply", "l1", "Die Erstattung wurde heute angestoßen und ist in 3–5 Werktagen "
                            "auf dem Konto deiner Kundin.", "resolved"),
            ("close", "customer"),
        ],
    },
]
