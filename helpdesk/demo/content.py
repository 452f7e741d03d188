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

An agent may file a ticket for a customer (a phone call, a direct message):
"filed_by": "l1" with the channel it came in on.

German tickets belong to Lena (customer) and are written in the friendly du-form of the
brand voice; English tickets belong to Sam (customer2). Public replies are in the
customer's language. Internal notes and hand-offs are in the ticket's language, except that
Priya (level 2) writes hers in English, the team's common language.
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
    ("billing", "Invoices & VAT", "Rechnungen & Umsatzsteuer"),
    ("api", "API & webhooks", "API & Webhooks"),
]

LENA = "Lenas Lieblingsstücke"
SAM = "Carter Sneaker Co."

TICKETS = [
    # ------------------------------------------------------------------------------------
    # Level 1: new and unassigned
    # ------------------------------------------------------------------------------------
    {
        "customer": "customer", "lang": "de", "category": "orders", "priority": "urgent",
        "channel": "web", "shop": LENA, "age_hours": 0.5,
        "subject": "Checkout: PayPal-Zahlungen schlagen fehl",
        "body": "Hallo zusammen,\n\nseit etwa einer halben Stunde können meine Kundinnen "
                "nicht mehr mit PayPal bezahlen. Nach dem Login bei PayPal kommen sie "
                "zurück in den Warenkorb und sehen diese Meldung:\n\n"
                "`PAYMENT_DECLINED (10486): This transaction couldn't be completed.`\n\n"
                "Kreditkarte und Klarna funktionieren. Ich habe gerade eine Rabattaktion "
                "auf Instagram laufen, es ist also wirklich dringend!\n\nLena",
        "steps": [],
    },
    {
        "customer": "customer2", "lang": "en", "category": "social-sync", "priority": "urgent",
        "channel": "instagram", "shop": SAM, "product": "SKU-AIR-42", "age_hours": 3,
        "subject": "Instagram shop shows wrong prices",
        "body": "Since this morning every product in my Instagram shop shows the price "
                "**without VAT**. The Air Runner (SKU-AIR-42) is listed at $104.20 instead "
                "of $124.00, and customers are checking out at the wrong price!\n\n"
                "I haven't changed anything in the price settings.",
        "steps": [
            ("reply", "customer2", "Update: the Facebook shop shows the same net prices. "
                                   "I've paused the Instagram shop for now, but that's "
                                   "costing me sales, so please hurry."),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "billing", "priority": "normal",
        "channel": "phone", "filed_by": "l1", "shop": LENA, "age_hours": 5,
        "subject": "Rechnungen an Geschäftskundinnen ohne USt-IdNr.",
        "body": "Lena hat angerufen: Auf den automatisch erzeugten Rechnungen an "
                "Geschäftskundinnen (B2B) fehlt ihre **USt-IdNr.**, obwohl sie in den "
                "Steuereinstellungen hinterlegt ist. Ein Boutique-Kunde aus Wien hat die "
                "Rechnung deshalb zurückgewiesen.\n\n"
                "Betroffen ist u. a. Bestellung ORD-2026-10390.",
        "order": "ORD-2026-10390",
        "steps": [
            ("note", "l1", "Am Telefon aufgenommen. Lena schickt noch einen Screenshot ihrer "
                           "Steuereinstellungen per Mail. Rückruf gewünscht, gern nach 14 Uhr."),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "account", "priority": "low",
        "channel": "web", "shop": SAM, "age_hours": 20,
        "subject": "How do I add a staff account for my packer?",
        "body": "Hi team,\n\nI've hired someone to pack orders two days a week. Can I give "
                "them their own login that only sees **orders and shipping labels**, but not "
                "payouts or bank details?\n\nThanks,\nSam",
        "steps": [],
    },
    {
        "customer": "customer2", "lang": "en", "category": "social-sync", "priority": "high",
        "channel": "tiktok", "shop": SAM, "product": "SKU-CSC-HI-TOP-BLK", "age_hours": 6,
        "subject": "TikTok Shop rejects 12 product images",
        "body": "After yesterday's catalogue sync, TikTok Shop rejected the main images of "
                "12 products with:\n\n"
                "```\nIMAGE_POLICY_VIOLATION: watermark or text overlay detected\n```\n\n"
                "The images have a small logo in the corner, the same images have been fine "
                "on Instagram for a year. Example: SKU-CSC-HI-TOP-BLK. What do I need to "
                "change so they go through?",
        "steps": [],
    },
    {
        "customer": "customer", "lang": "de", "category": "influencers", "priority": "normal",
        "channel": "instagram", "filed_by": "l1", "shop": LENA, "age_hours": 2,
        "subject": "Influencer-Code LISA15 wird im Checkout abgelehnt",
        "body": "Per Instagram-Direktnachricht von Lena:\n\n"
                "> Hey, der Code **LISA15** von meiner Kooperationspartnerin @lisa.styles "
                "funktioniert nicht. Im Checkout steht „Dieser Code ist ungültig“. Sie hat "
                "ihn heute Morgen in ihrer Story gepostet, und ich habe schon drei "
                "Nachrichten von enttäuschten Followerinnen.\n",
        "steps": [],
    },
    {
        "customer": "customer2", "lang": "en", "category": "orders", "priority": "normal",
        "channel": "phone", "filed_by": "l1", "shop": SAM, "order": "ORD-2026-10702",
        "age_hours": 1.5,
        "subject": "Tracking link in shipping confirmation leads to a 404",
        "body": "Sam called: customers click the tracking link in the shipping confirmation "
                "email and land on a **404 page** at the carrier. Example: ORD-2026-10702, "
                "shipped with UPS today. The tracking number itself works when pasted into "
                "the UPS website.",
        "steps": [],
    },

    # ------------------------------------------------------------------------------------
    # Level 1: open (taken, answered, or reopened by the customer)
    # ------------------------------------------------------------------------------------
    {
        "customer": "customer", "lang": "de", "category": "account", "priority": "urgent",
        "channel": "web", "shop": LENA, "age_hours": 1,
        "subject": "Shop zeigt „Vorübergehend geschlossen“",
        "body": "Hilfe! Wenn ich meinen Shop aufrufe, steht da nur noch **„Dieser Shop ist "
                "vorübergehend geschlossen“**. Ich habe nichts geändert. Was ist da los?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, ich bin dran und schaue mir dein Konto gerade an. "
                            "Ich melde mich in spätestens 30 Minuten wieder bei dir."),
            ("note", "l1", "Abo-Abbuchung am 20.11. fehlgeschlagen (Karte abgelaufen), Shop "
                           "nach Ablauf der Kulanzfrist automatisch pausiert. Prüfe, ob ich "
                           "die Pause für 48 h aufheben darf, bis die neue Karte da ist."),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "orders", "priority": "high",
        "channel": "web", "shop": SAM, "order": "ORD-2026-10588", "age_hours": 9,
        "subject": "Order stuck in 'paid', can't create a shipping label",
        "body": "Order ORD-2026-10588 has been sitting in **Paid** since yesterday. When I "
                "click *Create label* I get:\n\n"
                "`Label could not be created: address validation failed (ZIP)`\n\n"
                "The address looks right to me (Portland, OR 97209). The customer is asking "
                "when it ships.",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hi Sam, thanks for the details. I can reproduce the error on "
                            "my side and I'm checking the address validation with our "
                            "shipping partner now. I'll get back to you today."),
            ("note", "l1", "ZIP in the order is stored as '97209 ' (trailing space, pasted "
                           "from Instagram checkout). Checking whether I can edit the address "
                           "or need L2 for that."),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "influencers", "priority": "normal",
        "channel": "web", "shop": SAM, "age_hours": 70,
        "subject": "Discount code SUMMER20 also applies to sale items",
        "body": "Our SUMMER20 code is meant for full-price items only, but customers are "
                "stacking it on top of the 30 % sale price. How do I stop that?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hi Sam,\n\nyou can restrict a code to certain collections:\n\n"
                            "1. Go to **Marketing → Discount codes → SUMMER20**.\n"
                            "2. Under *Applies to*, choose **Specific collections**.\n"
                            "3. Select your full-price collections and save.\n\n"
                            "Sale items then no longer qualify. Let me know if anything is "
                            "unclear!", "resolved"),
            ("reply", "customer2", "I did exactly that, but the code still works on the shoes "
                                   "in our *Last Pairs* collection, which are on sale too. "
                                   "Those products are also in *Men's Sneakers*, which is "
                                   "one of the collections I selected. Is that the problem?"),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "shop-setup", "priority": "low",
        "channel": "web", "shop": LENA, "age_hours": 120,
        "subject": "Versandkosten für Österreich und die Schweiz einrichten",
        "body": "Hallo,\n\nich möchte ab Dezember auch nach Österreich und in die Schweiz "
                "verschicken. Wie richte ich dafür eigene Versandkosten ein?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena,\n\nschön, dass du expandierst! So geht's:\n\n"
                            "1. **Einstellungen → Versand → Versandzonen**\n"
                            "2. *Neue Zone* anlegen, z. B. „Österreich“, und das Land "
                            "auswählen.\n"
                            "3. Einen Tarif hinzufügen (z. B. 6,90 €, ab 80 € kostenlos).\n"
                            "4. Für die Schweiz genauso, dort am besten mit Hinweis auf "
                            "Zollgebühren.\n\nViele Grüße\nJonas", "resolved"),
            ("reply", "customer", "Danke, hat geklappt! Eine Frage noch: Muss ich für die "
                                  "Schweiz im Checkout etwas zu Zoll und Einfuhrumsatzsteuer "
                                  "anzeigen, oder macht ihr das automatisch?"),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "shop-setup", "priority": "normal",
        "channel": "web", "shop": LENA, "age_hours": 26,
        "subject": "Eigene Domain: SSL-Zertifikat hängt bei „wird ausgestellt“",
        "body": "Ich habe gestern meine Domain **lenas-lieblingsstuecke.de** verbunden und "
                "den CNAME-Eintrag bei meinem Hoster gesetzt, so wie in der Anleitung. Seitdem "
                "steht bei SSL-Zertifikat nur „Wird ausgestellt …“ und im Browser kommt eine "
                "Sicherheitswarnung.",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, danke dir! Kannst du mir sagen, bei welchem Anbieter "
                            "deine Domain liegt? Dann kann ich gezielt nachsehen, ob noch ein "
                            "Eintrag im Weg ist."),
            ("reply", "customer", "Die Domain liegt bei IONOS. Dort habe ich nur den CNAME für "
                                  "`www` gesetzt, sonst nichts geändert."),
            ("note", "l1", "DNS geprüft: Bei IONOS ist ein CAA-Eintrag gesetzt, der nur "
                           "`digicert.com` erlaubt – Let's Encrypt darf deshalb kein "
                           "Zertifikat ausstellen. Schreibe Lena eine Schritt-für-Schritt-"
                           "Anleitung, wie sie den CAA-Eintrag ergänzt."),
        ],
    },

    # ------------------------------------------------------------------------------------
    # Level 1: waiting on the customer
    # ------------------------------------------------------------------------------------
    {
        "customer": "customer", "lang": "de", "category": "orders", "priority": "high",
        "channel": "whatsapp", "shop": LENA, "order": "ORD-2026-10611", "age_hours": 14,
        "subject": "Kundin hat zweimal bezahlt",
        "body": "Eine Kundin schreibt mir, dass ihr die Bestellung ORD-2026-10611 (Ohrringe "
                "„Mila“, 39 €) zweimal von der Kreditkarte abgebucht wurde. Ich sehe im "
                "Dashboard aber nur eine Zahlung. Kannst du das prüfen?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, in unserem System sehe ich für ORD-2026-10611 "
                            "ebenfalls nur eine erfolgreiche Zahlung und einen abgebrochenen "
                            "Versuch, der nicht belastet wurde. Oft ist das eine "
                            "**Vormerkung**, die die Bank nach einigen Tagen wieder "
                            "freigibt.\n\nKannst du deine Kundin bitten, dir einen Screenshot "
                            "der beiden Buchungen (mit Datum und Betrag) zu schicken? Dann "
                            "kläre ich den Rest mit dem Zahlungsanbieter.",
             "waiting_on_customer"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "account", "priority": "normal",
        "channel": "email", "shop": SAM, "age_hours": 50,
        "subject": "Two-factor codes are not accepted",
        "body": "I got a new phone and moved my authenticator app over. Now every 6-digit "
                "code I type gets `Invalid verification code`. I'm locked out of my shop "
                "admin.",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hi Sam, sorry you're locked out! Two quick things:\n\n"
                            "- Please check that your phone's clock is set **automatically** "
                            "(codes depend on the exact time).\n"
                            "- If that doesn't help, we can reset 2FA for you. For security "
                            "I need you to reply from this address with the **last four "
                            "digits of the bank account** your payouts go to.\n\n"
                            "Once I have that, the reset takes just a few minutes.",
             "waiting_on_customer"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "billing", "priority": "low",
        "channel": "web", "shop": SAM, "age_hours": 200,
        "subject": "Change the business name on invoices",
        "body": "We've incorporated and are now **Carter Sneaker Co. LLC**. Can you change the "
                "company name on our invoices and payout statements?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hi Sam, congratulations on the incorporation! To change the "
                            "legal name on invoices and payouts, please upload your "
                            "**certificate of formation** and the new **EIN confirmation "
                            "letter** under *Settings → Business details → Documents*. Reply "
                            "here once they're uploaded and I'll get the change approved.",
             "waiting_on_customer"),
        ],
    },

    # ------------------------------------------------------------------------------------
    # Level 1: resolved, waiting for the customer's confirmation
    # ------------------------------------------------------------------------------------
    {
        "customer": "customer", "lang": "de", "category": "orders", "priority": "normal",
        "channel": "web", "shop": LENA, "age_hours": 40,
        "subject": "Bestellungen für die Steuerberaterin exportieren",
        "body": "Meine Steuerberaterin möchte alle Bestellungen aus dem dritten Quartal "
                "haben, am liebsten im DATEV-Format. Geht das?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, ja, das geht:\n\n"
                            "1. **Bestellungen → Exportieren**\n"
                            "2. Zeitraum *01.07.–30.09.* wählen\n"
                            "3. Format **DATEV (Buchungsstapel)** auswählen\n\n"
                            "Die Datei kommt per Mail, sobald sie fertig ist. Gutschriften "
                            "und Retouren sind automatisch enthalten.\n\nViele Grüße\nJonas",
             "resolved"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "shop-setup", "priority": "low",
        "channel": "web", "shop": SAM, "age_hours": 55,
        "subject": "Can I sell gift cards through Instagram?",
        "body": "Holiday season is coming. Can customers buy our gift cards directly in the "
                "Instagram shop, or only on our web store?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hi Sam, Meta doesn't allow gift cards as products in Instagram "
                            "and Facebook shops, so they're left out of the catalogue sync. "
                            "What works well: add a **link sticker** in your stories or a "
                            "link in your bio that opens the gift-card page of your web "
                            "store. Tracking and redemption work as usual.", "resolved"),
        ],
    },

    # ------------------------------------------------------------------------------------
    # Level 1: closed
    # ------------------------------------------------------------------------------------
    {
        "customer": "customer", "lang": "de", "category": "orders", "priority": "normal",
        "channel": "whatsapp", "shop": LENA, "order": "ORD-2026-10422", "age_hours": 80,
        "subject": "Rücksendung wurde nicht erstattet",
        "body": "Meine Kundin hat die Bestellung ORD-2026-10422 zurückgeschickt, ich habe "
                "die Retoure vor einer Woche angenommen. Die Rückerstattung hängt aber immer "
                "noch auf „In Bearbeitung“.",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, die Erstattung war hängengeblieben, weil die "
                            "ursprüngliche Karte inzwischen gesperrt ist. Ich habe sie heute "
                            "neu angestoßen; der Betrag ist in 3–5 Werktagen auf dem Konto "
                            "deiner Kundin.", "resolved"),
            ("close", "customer"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "shop-setup", "priority": "low",
        "channel": "web", "shop": SAM, "age_hours": 400,
        "subject": "Add a size chart to product pages",
        "body": "Lots of returns are size-related. Is there a way to show a size chart "
                "(US/UK/EU) on every sneaker page?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hi Sam, yes: create the chart once under *Online store → "
                            "Pages*, then go to *Products → Templates → Sneaker* and add the "
                            "**Size chart** block pointing to that page. Every product using "
                            "the template shows it automatically.", "resolved"),
            ("close", "customer2"),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "social-sync", "priority": "normal",
        "channel": "facebook", "shop": LENA, "age_hours": 300,
        "subject": "Facebook-Katalog nach Passwortänderung getrennt",
        "body": "Ich habe mein Facebook-Passwort geändert und seitdem steht bei der "
                "Verbindung zum Facebook-Shop „Token abgelaufen“. Neue Produkte erscheinen "
                "nicht mehr.",
        "steps": [
            ("reply", "l1", "Hallo Lena, nach einer Passwortänderung widerruft Meta alle "
                            "Zugriffe. Bitte geh auf **Vertriebskanäle → Facebook → "
                            "Verbindung erneuern** und melde dich einmal mit deinem "
                            "Business-Konto an. Danach läuft die Synchronisierung innerhalb "
                            "von etwa 15 Minuten wieder an.", "resolved"),
            ("close", "customer"),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "account", "priority": "high",
        "channel": "facebook", "filed_by": "l1", "shop": LENA, "age_hours": 9,
        "subject": "Konto nach zu vielen Anmeldeversuchen gesperrt",
        "body": "Über den Facebook-Messenger: Lena hat mehrmals ein altes Passwort "
                "eingegeben und ist jetzt für 24 Stunden gesperrt. Sie braucht "
                "dringend Zugriff, weil heute Abend ein Live-Shopping läuft.",
        "steps": [
            ("take", "l1"),
            ("note", "l1", "Identität über Rückruf unter der hinterlegten Nummer bestätigt."),
            ("reply", "l1", "Hallo Lena, ich habe die Sperre aufgehoben und dir einen Link "
                            "zum Zurücksetzen des Passworts geschickt. Tipp: Mit einem "
                            "Passwort-Manager passiert das nicht mehr so leicht. Viel Erfolg "
                            "beim Live-Shopping!", "resolved"),
            ("close", "customer"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "social-sync", "priority": "low",
        "channel": "web", "shop": SAM, "age_hours": 350,
        "subject": "Product tagging not available on Instagram",
        "body": "I can't tag products in my Instagram posts, the option just doesn't show up.",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hi Sam, product tagging needs an approved Instagram shop. Could "
                            "you check *Instagram → Settings → Business → Shopping* and tell "
                            "me what status it shows (e.g. *In review* or *Not eligible*)?",
             "waiting_on_customer"),
            ("reply", "l1", "Hi Sam, just checking in: are you still unable to tag products? "
                            "If I don't hear back within 7 days, I'll close this ticket – you "
                            "can always open a new one."),
            ("note", "l1", "No answer 7 days after the reminder, closing as per policy."),
            ("status", "l1", "closed"),
        ],
    },

    # ------------------------------------------------------------------------------------
    # Level 1 again after a return from level 2 or 3
    # ------------------------------------------------------------------------------------
    {
        "customer": "customer", "lang": "de", "category": "social-sync", "priority": "normal",
        "channel": "instagram", "shop": LENA, "product": "SKU-LL-SCARF-07", "age_hours": 60,
        "subject": "Produktvarianten fehlen im Instagram-Shop",
        "body": "Mein Schal „Nordlicht“ (SKU-LL-SCARF-07) hat vier Farben. Im Instagram-"
                "Shop wird aber nur **Senfgelb** angezeigt, die anderen Varianten fehlen.",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, danke für den Hinweis! Ich schaue mir den "
                            "Produkt-Feed an."),
            ("escalate", "l1", (
                "Von 4 Farbvarianten des Produkts SKU-LL-SCARF-07 kommt nur eine im "
                "Instagram-Katalog an. Im Shop sind alle 4 aktiv und auf Lager.",
                "Feed-Sync manuell neu gestartet, Varianten im Shop geprüft (alle "
                "veröffentlicht, Bestand > 0). Im Commerce Manager steht bei 3 Varianten "
                "„Artikel abgelehnt“ ohne Begründung.",
                "Instagram-Shop: Produkt-Feed verstehen; Varianten im Katalog")),
            ("take", "l2"),
            ("note", "l2", "The three missing variants carry the same GTIN as the mustard "
                           "one (copied over when the product was duplicated). Meta silently "
                           "drops items with a duplicate GTIN."),
            ("return", "l2", 1,
             "Not a bug on our side: duplicate GTINs. Please walk Lena through entering the "
             "correct GTIN/EAN per colour under *Products → Nordlicht → Variants* (or leaving "
             "the field empty if she has none), then re-running the catalogue sync. The "
             "canned reply \"Duplicate GTIN\" fits."),
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, wir haben die Ursache gefunden: Alle vier Farben "
                            "haben dieselbe **GTIN/EAN**, und Instagram zeigt bei doppelten "
                            "Nummern nur eine Variante an.\n\n"
                            "1. Öffne *Produkte → Nordlicht → Varianten*.\n"
                            "2. Trag pro Farbe die richtige GTIN ein – oder lass das Feld "
                            "leer, wenn du keine hast.\n"
                            "3. Klick auf **Katalog neu synchronisieren**.\n\n"
                            "Sag mir gern Bescheid, ob danach alle Farben zu sehen sind!",
             "waiting_on_customer"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "influencers", "priority": "high",
        "channel": "tiktok", "shop": SAM, "age_hours": 36,
        "subject": "Affiliate clicks from TikTok bio link not tracked",
        "body": "Our creator @kicksbyjay has sent loads of traffic from his TikTok bio link, "
                "but his affiliate dashboard shows **0 clicks** for the past week. He's "
                "asking whether he'll be paid for those sales.",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "Affiliate @kicksbyjay shows 0 tracked clicks for 7 days despite traffic "
                "from his TikTok bio. Other affiliates track fine.",
                "Checked the affiliate is active and his link is "
                "`carter-sneakers.com/?ref=kicksbyjay`; test click from a browser is "
                "tracked. Asked for the exact bio link: it's a Linktree URL.",
                "Affiliate tracking: how clicks are counted; Troubleshooting missing "
                "affiliate clicks")),
            ("take", "l2"),
            ("return", "l2", 1,
             "Linktree's redirect drops our `ref` query parameter when the link is added "
             "as a 'smart link', so nothing is attributed. Please send Sam the article on "
             "link shorteners and ask the creator to re-add the link as a plain URL. Orders "
             "from the last 7 days can be credited manually: Sam lists them under "
             "*Affiliates → kicksbyjay → Add order*."),
            ("take", "l1"),
            ("reply", "l1", "Hi Sam, we found it: Linktree's *smart link* mode strips the "
                            "`ref=kicksbyjay` part of the link, so clicks can't be attributed."
                            "\n\n1. Ask Jay to re-add the link in Linktree as a **plain URL**."
                            "\n2. For last week's sales, add the orders to his account under "
                            "*Affiliates → kicksbyjay → Add order* and the commission is "
                            "paid as usual.", "resolved"),
            ("close", "customer2"),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "payouts", "priority": "normal",
        "channel": "web", "shop": LENA, "age_hours": 180,
        "subject": "Provision für Influencerin falsch berechnet",
        "body": "Meine Influencerin @mara.minimal bekommt 12 % Provision. Für Oktober "
                "hat sie 1.842,50 € Umsatz gebracht, das wären 221,10 €. Ausgezahlt wurden "
                "aber nur **220,73 €**. Woher kommt die Differenz?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, danke für die genaue Rechnung! Ich gebe das an "
                            "unser Abrechnungsteam weiter."),
            ("escalate", "l1", (
                "Influencer-Provision Oktober: erwartet 221,10 €, ausgezahlt 220,73 € "
                "(Differenz 0,37 €).",
                "Provisionssatz (12 %) und Umsatzliste geprüft: keine Retouren oder "
                "Stornos im Zeitraum, die die Differenz erklären.",
                "Provisionen: wie sie berechnet werden")),
            ("take", "l2"),
            ("escalate", "l2", (
                "Commission payout is 0.37 EUR short across 52 order lines (37 orders); rate, "
                "returns and cancellations all check out.",
                "Recomputed from the order export: the sum of per-line commissions "
                "rounded down to cents matches the paid amount exactly. Looks like we "
                "floor each line instead of rounding the total.",
                "Commission calculation (internal)")),
            ("take", "l3"),
            ("note", "l3", "Bestätigt: `commission_for_line()` nutzt `ROUND_DOWN` pro "
                           "Position statt kaufmännisch auf die Summe zu runden. Fix (Runden "
                           "auf den Gesamtbetrag, `ROUND_HALF_UP`) ist in Release 4.18 live, "
                           "Nachberechnung für alle Shops seit 1.10. läuft."),
            ("return", "l3", 1,
             "Rundungsfehler in der Provisionsberechnung, behoben in 4.18. Die Differenz "
             "(hier 0,37 €) wird automatisch mit der nächsten Auszahlung nachgebucht. Bitte "
             "Lena so informieren und auf die Position „Provisionskorrektur“ in der "
             "Abrechnung hinweisen."),
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, du hattest recht: Bei der Provision wurde jede "
                            "Bestellung einzeln abgerundet statt die Summe kaufmännisch zu "
                            "runden. Das ist jetzt behoben. Die fehlenden **0,37 €** werden "
                            "mit der nächsten Auszahlung automatisch nachgebucht, in der "
                            "Abrechnung als „Provisionskorrektur“. Danke, dass du so genau "
                            "hingeschaut hast!", "resolved"),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "influencers", "priority": "normal",
        "channel": "web", "shop": LENA, "age_hours": 44,
        "subject": "Rabattaktion startet eine Stunde zu früh",
        "body": "Ich hatte meine Black-Week-Aktion (**BLACKWEEK25**) für Freitag, 0:00 Uhr "
                "geplant. Sie war aber schon ab **23:00 Uhr** am Donnerstag aktiv, und ein "
                "paar Kundinnen haben das schon auf Instagram gepostet. Bei der Herbstaktion "
                "im September hat alles gepasst.",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, danke für die genaue Beschreibung! Ich lasse das "
                            "von unserem Technikteam prüfen und melde mich, sobald ich mehr "
                            "weiß."),
            ("escalate", "l1", (
                "Geplante Rabattaktion startet eine Stunde zu früh (23:00 statt 0:00 Uhr).",
                "Shop-Zeitzone steht auf Europe/Berlin, Startzeit in der Aktion korrekt "
                "eingetragen. Aktion wurde am 20.10. angelegt, also vor der Zeitumstellung.",
                "Rabattaktionen planen")),
            ("take", "l2"),
            ("escalate", "l2", (
                "Scheduled discount started one hour early.",
                "The stored start carries +02:00, the summer-time offset of the day the "
                "campaign was created, instead of +01:00 for the start date. Every campaign "
                "created before the clock change and starting after it should be affected.",
                "Scheduling discounts")),
            ("take", "l3"),
            ("note", "l3", "Bestätigt: Das Formular rechnet die Startzeit mit dem UTC-Offset "
                           "des Anlegetags um statt mit dem des Startdatums. Fix in 4.19.3; "
                           "bestehende Aktionen werden per Migration korrigiert."),
            ("return", "l3", 1,
             "Sommerzeit-Fehler bei geplanten Aktionen, mit 4.19.3 behoben; alle Aktionen "
             "von Lena sind korrigiert. Bitte ihr das erklären. Die Bestellungen der "
             "zusätzlichen Stunde behalten den Rabatt – das ist mit dem Team abgestimmt, sie "
             "muss nichts zurückfordern."),
        ],
    },

    # ------------------------------------------------------------------------------------
    # Level 2
    # ------------------------------------------------------------------------------------
    {
        "customer": "customer", "lang": "de", "category": "payouts", "priority": "high",
        "channel": "web", "shop": LENA, "age_hours": 30,
        "subject": "Auszahlung für Oktober fehlt",
        "body": "Hallo,\n\ndie Auszahlung für meine Oktober-Verkäufe ist noch nicht auf "
                "meinem Konto angekommen. Im Dashboard steht **ausgezahlt** am 3. November.\n\n"
                "Könnt ihr bitte nachsehen?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, danke für die Nachricht! Ich prüfe die Auszahlung "
                            "und melde mich heute noch.", "open"),
            ("escalate", "l1", (
                "Auszahlung laut System am 3.11. erfolgt, Kundin hat das Geld nicht "
                "erhalten (2.318,40 €).",
                "IBAN im Profil geprüft (korrekt), Auszahlungsprotokoll angesehen: Status "
                "'sent', keine Rückbuchung. Kundin hat bei ihrer Bank nachgefragt.",
                "Auszahlungen: Zeitplan und Status")),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "payouts", "priority": "urgent",
        "channel": "email", "shop": SAM, "age_hours": 4,
        "subject": "Payouts paused: 'additional verification required'",
        "body": "I just got an email that my payouts are **paused** until I complete "
                "additional verification. I uploaded my ID weeks ago. I have $8,400 pending "
                "and rent to pay. What exactly do you need?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hi Sam, I understand this is stressful. I've passed your case "
                            "to our payments team, who can see the verification details."),
            ("escalate", "l1", (
                "Payouts paused by the payment provider, 'additional verification "
                "required'. $8,400 pending, customer needs it urgently.",
                "Checked the KYC page: ID approved, but the business verification shows "
                "'document expired'. I can't see which document, or re-trigger it.",
                "Payout holds and verification")),
            ("take", "l2"),
            ("reply", "l2", "Hi Sam, the provider is asking for a **current proof of "
                            "address for the business** – the utility bill on file is older "
                            "than 12 months. I've asked them to prioritise the review once "
                            "it's uploaded. I'll keep an eye on it and update you."),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "social-sync", "priority": "normal",
        "channel": "facebook", "shop": SAM, "product": "SKU-CSC-SLIDE-09", "age_hours": 48,
        "subject": "Facebook catalogue sync fails: 'price must be a positive number'",
        "body": "Every night's catalogue sync reports 3 errors:\n\n"
                "```\nSKU-CSC-SLIDE-09: price must be a positive number\n"
                "SKU-CSC-SLIDE-10: price must be a positive number\n"
                "SKU-CSC-SLIDE-11: price must be a positive number\n```\n\n"
                "The slides cost $29.00 in my store, so I don't understand the error.",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hi Sam, thanks for the error log. I'm checking the feed "
                            "entries for these three products."),
            ("escalate", "l1", (
                "Three slide products fail in the Facebook feed with 'price must be a "
                "positive number'; the store shows $29.00.",
                "Re-ran the sync (same errors). The feed preview shows `price: 0.00 USD` "
                "for these SKUs. The products have a 'compare at' price of $0 set.",
                "Facebook catalogue: common feed errors")),
            ("take", "l2"),
            ("note", "l2", "Feed uses `sale_price` when a compare-at price is set, and a "
                           "compare-at of 0 is treated as set. Checking whether this is "
                           "known to engineering before escalating."),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "shop-setup", "priority": "high",
        "channel": "web", "shop": LENA, "age_hours": 22,
        "subject": "Shop nicht erreichbar: ERR_TOO_MANY_REDIRECTS",
        "body": "Seit ich meine Domain über Cloudflare laufen lasse, zeigt der Browser "
                "`ERR_TOO_MANY_REDIRECTS`. Ohne Cloudflare funktioniert alles.",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "Weiterleitungsschleife, seit die Domain über den Cloudflare-Proxy läuft.",
                "DNS geprüft (CNAME korrekt), Cache im Browser geleert, ohne Proxy "
                "(graue Wolke) funktioniert der Shop.",
                "Eigene Domain verbinden; Cloudflare und andere Proxys")),
            ("take", "l2"),
            ("reply", "l2", "Hallo Lena, ich bin Priya aus dem Second-Level-Support. Das "
                            "klingt nach der SSL-Einstellung in Cloudflare: Steht sie auf "
                            "**Flexibel**, leitet Cloudflare per HTTP weiter und wir wieder "
                            "zurück auf HTTPS – eine Endlosschleife.\n\n"
                            "Kannst du unter *SSL/TLS → Übersicht* auf **Vollständig "
                            "(streng)** umstellen und mir sagen, ob der Shop danach lädt?",
             "waiting_on_customer"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "billing", "priority": "normal",
        "channel": "web", "shop": SAM, "age_hours": 90,
        "subject": "VAT on orders to EU customers (OSS)",
        "body": "We've started shipping to the EU. Our invoices to German and French "
                "customers show **0 % VAT**. Shouldn't we be charging local VAT under OSS?",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "US shop selling to EU consumers, invoices show 0 % VAT. Customer asks "
                "about OSS.",
                "Tax settings: 'Collect EU VAT' is off, no OSS/IOSS number stored. I can't "
                "give tax advice on whether they must register.",
                "VAT and OSS for shops outside the EU")),
            ("take", "l2"),
            ("reply", "l2", "Hi Sam, right now your store doesn't collect EU VAT because "
                            "no registration is stored. Since your parcels are under €150, "
                            "the **IOSS** scheme is the usual route for non-EU sellers.\n\n"
                            "Once you have an IOSS number, send it to me (or enter it under "
                            "*Settings → Taxes → EU*) and I'll check that checkout and "
                            "invoices pick it up correctly. For whether you must register, "
                            "please check with your tax adviser.", "waiting_on_customer"),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "influencers", "priority": "high",
        "channel": "instagram", "shop": LENA, "age_hours": 100,
        "subject": "Influencer-Code wurde über 400-mal benutzt",
        "body": "Der Code **MARA20** meiner Influencerin wurde seit gestern über 400-mal "
                "eingelöst. Normal sind 20 pro Woche. Ich glaube, der steht auf einer "
                "Gutscheinseite. Wie kann ich das stoppen, ohne Mara zu verärgern?",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, ich habe den Code vorsorglich pausiert und gebe "
                            "dein Ticket an unsere Spezialistinnen für Influencer-Programme "
                            "weiter."),
            ("escalate", "l1", (
                "Influencer-Code MARA20 über 400-mal eingelöst, vermutlich geleakt.",
                "Code pausiert, Einlösungen geprüft: fast alle Neukunden, Referrer "
                "überwiegend eine Gutscheinseite. Wie man Provision für diese Bestellungen "
                "ausschließt, weiß ich nicht.",
                "Rabattcodes: Limits und Einschränkungen")),
            ("take", "l2"),
            ("reply", "l2", "Hallo Lena, ich habe es so eingerichtet, dass weder du noch "
                            "Mara draufzahlt:\n\n"
                            "- **MARA20** bleibt deaktiviert.\n"
                            "- Mara bekommt einen neuen Code **MARA20-IG**, einlösbar nur "
                            "einmal pro Kundin und nur über ihren Instagram-Link.\n"
                            "- Bestellungen mit Referrer Gutscheinseite sind von Maras "
                            "Provision ausgenommen, die übrigen werden ganz normal "
                            "vergütet.\n\n"
                            "Den neuen Code kann Mara ab sofort posten. Wenn du magst, "
                            "schick ihr gern unseren Leitfaden „Codes sicher teilen“.",
             "resolved"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "orders", "priority": "urgent",
        "channel": "phone", "filed_by": "l1", "shop": SAM, "age_hours": 30,
        "subject": "Checkout down: all card payments fail",
        "body": "Sam called at 9:40: **every card payment** fails with `3DS authentication "
                "failed`. Apple Pay and PayPal still work. Started around 9:00 today.",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "All card payments fail with '3DS authentication failed' since about 9:00.",
                "Test purchase with our test card reproduces it. Status page is green, "
                "other shops are fine, so it looks shop-specific.",
                "Checkout errors: card declined and 3-D Secure")),
            ("take", "l2"),
            ("note", "l2", "The shop's payment domain was changed to `shop.carter-sneakers."
                           "com` yesterday, but the 3DS return URL still points to the old "
                           "domain. Re-registered the domain with the provider."),
            ("reply", "l2", "Hi Sam, card payments work again. Yesterday's domain change "
                            "hadn't reached the 3-D Secure settings, so banks redirected "
                            "customers to the old address. I've fixed it and placed a test "
                            "order. Sorry for the lost morning!", "resolved"),
            ("close", "customer2"),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "shop-setup", "priority": "low",
        "channel": "email", "shop": LENA, "age_hours": 260,
        "subject": "Bestellmails mit eigener Absenderadresse",
        "body": "Ich möchte, dass Bestellbestätigungen von **hallo@lenas-lieblingsstuecke.de** "
                "kommen. Wenn ich die Adresse eintrage, landen die Mails bei vielen im Spam.",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "Eigene Absenderadresse eingerichtet, Mails landen im Spam.",
                "Absenderadresse ist verifiziert. SPF-Eintrag der Domain enthält unseren "
                "Mailserver nicht, DKIM weiß ich nicht zu prüfen.",
                "E-Mails mit eigener Domain versenden")),
            ("take", "l2"),
            ("reply", "l2", "Hallo Lena, ich bin Priya aus dem Second-Level-Support. Damit "
                            "Gmail & Co. deinen Mails vertrauen, fehlen bei IONOS noch zwei "
                            "DNS-Einträge:\n\n"
                            "1. SPF ergänzen: `include:mail.helpdesk-shops.example`\n"
                            "2. DKIM: CNAME `hd1._domainkey` → "
                            "`hd1.dkim.helpdesk-shops.example`\n\n"
                            "Sag mir Bescheid, wenn beides eingetragen ist, dann prüfe ich "
                            "es und schicke eine Testmail.", "waiting_on_customer"),
            ("reply", "customer", "Erledigt, beide Einträge sind drin. IONOS sagt, es kann "
                                  "bis zu einer Stunde dauern."),
            ("reply", "l2", "Danke, Lena! Beide Einträge sind jetzt weltweit sichtbar, und "
                            "meine Testmails kamen bei Gmail, GMX und Outlook im Posteingang "
                            "an. Ab sofort sollten deine Bestellmails sauber zugestellt "
                            "werden.", "resolved"),
            ("close", "customer"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "api", "priority": "high",
        "channel": "email", "shop": SAM, "order": "ORD-2026-10514", "age_hours": 75,
        "subject": "Webhook order.created arrives twice",
        "body": "Our warehouse system receives `order.created` twice for some orders, so "
                "they get packed twice. Latest example: ORD-2026-10514. Both deliveries have "
                "the same payload.",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "Customer's warehouse integration receives order.created twice for some "
                "orders (e.g. ORD-2026-10514).",
                "Webhook log shows two deliveries 10 s apart, the first marked 'timeout'. "
                "Endpoint URL and subscription are configured once only.",
                "Webhooks: events and retries")),
            ("take", "l2"),
            ("escalate", "l2", (
                "Duplicate webhook deliveries after timeouts; customer wants to know "
                "whether this is expected and how to handle it.",
                "Delivery log: first attempt timed out at 10 s, retried once, both reached "
                "the endpoint. Couldn't find documented guarantees for retries.",
                "Webhooks: events and retries; API reference: webhook headers")),
            ("take", "l3"),
            ("return", "l3", 2,
             "Works as designed: webhooks are at-least-once. Their endpoint takes ~12 s to "
             "answer (it packs the order before responding), we time out at 10 s and retry. "
             "They should answer 2xx right away and process asynchronously, and de-duplicate "
             "on the `X-Webhook-Id` header (stable across retries). Please pass that on; "
             "I've added a section to the webhook docs."),
            ("take", "l2"),
            ("reply", "l2", "Hi Sam, our engineers looked into it. Webhooks are delivered "
                            "*at least once*: your endpoint takes about 12 seconds to answer, "
                            "we give up after 10 and retry, so the order arrives twice.\n\n"
                            "Two changes on your side fix it:\n\n"
                            "1. Respond with `200 OK` immediately and process the order "
                            "afterwards.\n"
                            "2. Ignore deliveries whose `X-Webhook-Id` you've already seen "
                            "– it stays the same across retries.", "resolved"),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "social-sync", "priority": "high",
        "channel": "facebook", "shop": LENA, "product": "SKU-LL-BAG-21", "age_hours": 55,
        "subject": "Produktbilder verschwinden aus dem Facebook-Katalog",
        "body": "Jeden Morgen sind bei etwa der Hälfte meiner Produkte die Bilder im "
                "Facebook- und Instagram-Shop weg, z. B. bei der Tasche „Frieda“ "
                "(SKU-LL-BAG-21). Nach einem manuellen Sync sind sie wieder da, am nächsten "
                "Tag wieder weg.",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "Produktbilder verschwinden täglich aus dem Meta-Katalog, nach manuellem "
                "Sync kurz wieder da.",
                "Bilder im Shop geprüft (JPG, 2000 px, unter 1 MB). Commerce Manager "
                "meldet `Image URL returned 403`.",
                "Facebook-Katalog: Bilder werden abgelehnt")),
            ("take", "l2"),
            ("escalate", "l2", (
                "Meta gets 403 on our image URLs about a day after each sync; affects "
                "roughly half of the products.",
                "Image URLs in the feed are signed CDN links with `Expires=` 24 h; Meta "
                "re-crawls after that. Only products edited since the CDN migration are "
                "affected.",
                "CDN migration notes (internal)")),
            ("take", "l3"),
            ("note", "l3", "Ursache: Der Feed-Export hat seit der CDN-Umstellung die signierte "
                           "Vorschau-URL statt der öffentlichen Bild-URL verwendet. Fix ist "
                           "mit Release 4.19.2 live."),
            ("return", "l3", 2,
             "Fehler im Feed-Export behoben (signierte statt öffentliche Bild-URLs). Bitte "
             "mit Lena einmal einen vollständigen Katalog-Sync auslösen und nach 48 h "
             "bestätigen lassen, dass die Bilder stabil bleiben."),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "orders", "priority": "normal",
        "channel": "web", "shop": LENA, "order": "ORD-2026-10598", "age_hours": 33,
        "subject": "Retourenportal erstattet als Gutschein statt auf die Karte",
        "body": "Eine Kundin hat ihre Bestellung ORD-2026-10598 über das Retourenportal "
                "zurückgeschickt und „Geld zurück“ gewählt. Bekommen hat sie aber einen "
                "**Gutschein über 54,90 €**. Sie ist ziemlich verärgert.",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hallo Lena, das sollte natürlich nicht passieren. Ich gebe den "
                            "Fall an unser Retouren-Team weiter, das die Erstattung "
                            "umbuchen kann."),
            ("escalate", "l1", (
                "Retourenportal: Kundin wählt „Geld zurück“, erhält aber einen Gutschein.",
                "Retoureneinstellungen geprüft: Standard ist „Kundin wählt“. Im "
                "Retourenprotokoll steht trotzdem `refund_method: store_credit`. Einen "
                "Gutschein kann ich nicht in eine Kartenerstattung umwandeln.",
                "Retourenportal einrichten; Erstattungsarten")),
            ("reply", "customer", "Noch eine Info: Bei einer zweiten Retoure heute "
                                  "(ORD-2026-10631) ist es genauso passiert. Beide Kundinnen "
                                  "haben über das Handy bestellt, falls das hilft."),
        ],
    },

    # ------------------------------------------------------------------------------------
    # Level 3
    # ------------------------------------------------------------------------------------
    {
        "customer": "customer2", "lang": "en", "category": "social-sync", "priority": "urgent",
        "channel": "tiktok", "shop": SAM, "product": "SKU-CSC-RETRO-44", "age_hours": 7,
        "subject": "Oversold during TikTok LIVE: stock went negative",
        "body": "During last night's TikTok LIVE we sold **31 pairs** of the Retro 44 "
                "(SKU-CSC-RETRO-44), but we only had 18. Stock is now at **-13** in the "
                "admin. I have to cancel 13 orders and my TikTok seller rating is at risk.",
        "steps": [
            ("take", "l1"),
            ("reply", "l1", "Hi Sam, I'm so sorry. I've set the product to *out of stock* "
                            "on all channels to stop further sales and handed this to our "
                            "technical team right away."),
            ("escalate", "l1", (
                "Overselling during a TikTok LIVE: 31 sold, 18 in stock, stock now -13.",
                "Set the product to out of stock on all channels. Sync log shows TikTok "
                "and web orders within the same seconds.",
                "Stock sync between channels")),
            ("take", "l2"),
            ("escalate", "l2", (
                "Stock went negative under load: TikTok and web orders for the same SKU "
                "within the same second read the same stock level and each wrote back its "
                "own decrement, overwriting the other.",
                "Compared the stock-sync log with the order timestamps: 9 overlapping "
                "read/write pairs in 40 s. No manual stock edits. Looks like a "
                "read-modify-write race in the TikTok stock sync.",
                "Stock sync between channels; Incident 2026-09 'Instagram oversell' "
                "(internal)")),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "payouts", "priority": "high",
        "channel": "web", "shop": LENA, "age_hours": 28,
        "subject": "Auszahlung enthält Bestellungen vom Folgetag",
        "body": "In meiner Auszahlung für den Zeitraum bis zum 15.11. sind auch zwei "
                "Bestellungen vom **16.11.** kurz nach Mitternacht enthalten (ORD-2026-10655, "
                "ORD-2026-10656). Das bringt meine Buchhaltung durcheinander.",
        "order": "ORD-2026-10655",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "Auszahlung bis 15.11. enthält zwei Bestellungen vom 16.11., 00:10 und "
                "00:40 Uhr.",
                "Auszahlungszeitraum im Dashboard geprüft (1.–15.11.), Zeitzone im Shop "
                "steht auf Europe/Berlin.",
                "Auszahlungen: Zeitplan und Status")),
            ("take", "l2"),
            ("escalate", "l2", (
                "Payout cut-off includes orders placed just after midnight local time.",
                "All misplaced orders fall between 00:00 and 01:00 Berlin time, i.e. "
                "before midnight UTC. The cut-off seems to be computed in UTC instead of "
                "the shop's timezone.",
                "Payout schedule (internal)")),
            ("take", "l3"),
            ("note", "l3", "Reproduziert: `payout_period_end()` baut das Stichtagsdatum mit "
                           "`datetime.utcnow().date()` statt in der Shop-Zeitzone. Betrifft "
                           "alle Shops östlich von UTC; in der Sommerzeit ist das Fenster "
                           "zwei Stunden groß. Fix in Arbeit, Nachkorrektur der betroffenen "
                           "Auszahlungen muss mit Finance abgestimmt werden."),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "api", "priority": "normal",
        "channel": "email", "shop": SAM, "age_hours": 96,
        "subject": "API: paging through /v2/orders skips orders",
        "body": "Our ERP imports orders via `GET /v2/orders?updated_since=…&cursor=…`. "
                "Every few days an order is missing from the import, even though it shows up "
                "if I query it by ID. Example: ORD-2026-10477.",
        "order": "ORD-2026-10477",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "Orders occasionally missing when paging through the orders API.",
                "Confirmed ORD-2026-10477 exists and is returned by GET /v2/orders/{id}. "
                "Customer's API key has the orders:read scope.",
                "API reference: orders; Pagination")),
            ("take", "l2"),
            ("escalate", "l2", (
                "Cursor pagination on /v2/orders skips orders.",
                "Every missing order shares its `updated_at` second with the last order "
                "of the previous page. The cursor seems to encode only the timestamp, not "
                "a tie-breaker.",
                "API reference: pagination")),
            ("take", "l3"),
            ("reply", "l3", "Hi Sam, I'm Miriam from our engineering team. Thanks for the "
                            "clear example – we can reproduce it: when several orders are "
                            "updated in the same second, the cursor can skip one of them at "
                            "a page boundary. We're fixing it so the cursor also includes "
                            "the order ID. Until then, overlapping your `updated_since` by "
                            "a minute and de-duplicating by ID avoids gaps."),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "api", "priority": "normal",
        "channel": "email", "shop": LENA, "age_hours": 130,
        "subject": "Webhook-Signatur stimmt nie überein",
        "body": "Mein Entwickler baut gerade eine Anbindung an unser Warenwirtschaftssystem. "
                "Die Prüfung der Webhook-Signatur schlägt **immer** fehl:\n\n"
                "```\nexpected 3f9a… got 91c2…\n```\n\n"
                "Das Secret haben wir dreimal kontrolliert.",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "Webhook-Signaturprüfung beim Entwickler der Kundin schlägt immer fehl.",
                "Kundin hat das Secret unter *Einstellungen → Webhooks* neu erzeugt, Test-"
                "Webhook ausgelöst: weiterhin falsche Signatur auf ihrer Seite.",
                "Webhooks: Signatur prüfen")),
            ("take", "l2"),
            ("escalate", "l2", (
                "HMAC mismatch on the customer's side for every webhook.",
                "Our delivery log shows signature generated over the raw body. Customer "
                "uses a PHP framework; can't see their code.",
                "Webhooks: verifying signatures")),
            ("take", "l3"),
            ("reply", "l3", "Hallo Lena, ich bin Miriam aus der Entwicklung. Meistens liegt "
                            "das daran, dass die Signatur über den **bereits geparsten** "
                            "JSON-Body statt über die rohen Bytes berechnet wird – dabei "
                            "ändern sich Leerzeichen und Umlaute.\n\n"
                            "Kann dein Entwickler mir den Codeausschnitt der Prüfung und "
                            "einen Beispiel-Request (ohne Secret) schicken? Dann sehe ich "
                            "sofort, wo es hakt.", "waiting_on_customer"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "social-sync", "priority": "high",
        "channel": "tiktok", "shop": SAM, "product": "SKU-CSC-RUN-40", "age_hours": 210,
        "subject": "TikTok Shop prices end in .98 instead of .99",
        "body": "We use the price-ending rule *round to .99*. On TikTok Shop a lot of "
                "products end in **.98** (e.g. SKU-CSC-RUN-40 shows $89.98 instead of "
                "$89.99). The web store is right.",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "TikTok prices end in .98 instead of .99 for many products.",
                "Rule 'round to .99' is active; web store prices are correct, only TikTok "
                "differs. Re-sync didn't help.",
                "Price rules for sales channels")),
            ("take", "l2"),
            ("escalate", "l2", (
                "Price-ending rule yields .98 on TikTok only.",
                "TikTok prices are exported in cents after currency conversion USD→USD; "
                "the rate 0.9999 from the FX table is applied, then rounded down.",
                "Channel pricing (internal)")),
            ("take", "l3"),
            ("note", "l3", "Fixed in 4.19.1: no conversion when source and target currency "
                           "are the same, and the price-ending rule now runs after any "
                           "conversion. Prices of all TikTok shops have been re-exported."),
            ("reply", "l3", "Hi Sam, this was a bug on our side: TikTok prices ran through "
                            "a currency conversion even though both sides are in USD, and "
                            "the .99 rule was applied before that. It's fixed, and all your "
                            "TikTok prices have been re-exported – SKU-CSC-RUN-40 shows "
                            "$89.99 again.", "resolved"),
        ],
    },
    {
        "customer": "customer", "lang": "de", "category": "api", "priority": "normal",
        "channel": "email", "shop": LENA, "age_hours": 380,
        "subject": "API-Token läuft nach einer Stunde ab",
        "body": "Unsere Lagersoftware verliert jede Stunde die Verbindung: "
                "`401 token_expired`. Kann man die Gültigkeit verlängern?",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "API-Zugriff der Lagersoftware bricht stündlich mit 401 token_expired ab.",
                "App-Zugang geprüft (aktiv, richtige Berechtigungen). Laufzeit des Tokens "
                "ist in den Einstellungen nicht änderbar.",
                "API: Authentifizierung")),
            ("take", "l2"),
            ("escalate", "l2", (
                "Customer's integration fails hourly with token_expired.",
                "Their app uses the OAuth access token only and never calls the refresh "
                "endpoint. Want engineering to confirm the intended flow and whether we "
                "can offer long-lived tokens.",
                "API: authentication")),
            ("take", "l3"),
            ("reply", "l3", "Hallo Lena, Access-Tokens gelten aus Sicherheitsgründen genau "
                            "eine Stunde. Eure Lagersoftware sollte vorher mit dem "
                            "**Refresh-Token** ein neues holen:\n\n"
                            "```\nPOST /oauth/token\n"
                            "grant_type=refresh_token&refresh_token=…\n```\n\n"
                            "Ein fertiges PHP-Beispiel findet dein Entwickler in der "
                            "API-Doku unter „Authentifizierung“. Alternativ gibt es für reine "
                            "Server-Integrationen **private App-Schlüssel** ohne Ablaufzeit.",
             "resolved"),
            ("close", "customer"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "payouts", "priority": "high",
        "channel": "email", "shop": SAM, "age_hours": 150,
        "subject": "Affiliate commission paid on cancelled orders",
        "body": "Our November 1 payout statement shows **$312.40 commission** to our "
                "affiliates for 14 orders that were cancelled before they shipped. Shouldn't "
                "commission only be paid on completed orders?",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "Affiliate commission paid for 14 cancelled orders ($312.40).",
                "Confirmed in the payout statement: all 14 were cancelled 1–3 days after "
                "the October 31 cut-off. Commission settings: 'pay on fulfilment' is "
                "selected.",
                "Affiliate commissions: when they're paid")),
            ("take", "l2"),
            ("escalate", "l2", (
                "Commission paid on orders cancelled after the payout cut-off, despite "
                "'pay on fulfilment'.",
                "All 14 orders were marked 'fulfilment pending' at cut-off, which the "
                "payout job seems to count as fulfilled. Need engineering to confirm and "
                "say whether a clawback happens.",
                "Affiliate payouts (internal)")),
            ("take", "l3"),
            ("reply", "l3", "Hi Sam, I'm Miriam from engineering. You're right: orders "
                            "that were *pending* fulfilment at the cut-off were counted as "
                            "fulfilled. That's fixed, and the $312.40 is **clawed back "
                            "automatically** from the affiliates' next payout, listed as "
                            "*Commission adjustment*. You don't need to do anything.",
             "resolved"),
            ("reply", "customer2", "Thanks, but the adjustment appeared on *my* statement, "
                                   "not the affiliates'. It looks like we were charged the "
                                   "$312.40 a second time instead of it being taken back "
                                   "from them. Can you check?"),
        ],
    },
    {
        "customer": "customer2", "lang": "en", "category": "api", "priority": "low",
        "channel": "web", "shop": SAM, "age_hours": 320,
        "subject": "429 Too Many Requests when updating inventory",
        "body": "We update stock for ~2,000 SKUs every 15 minutes from our warehouse "
                "system. Since last week we get `429 Too Many Requests` after about 600 "
                "calls. Did the rate limits change?",
        "steps": [
            ("take", "l1"),
            ("escalate", "l1", (
                "Inventory updates hit 429 after ~600 calls per run.",
                "API key and plan checked (Growth plan, no changes). The rate-limit "
                "headers in their log show `X-RateLimit-Limit: 600`.",
                "API rate limits")),
            ("take", "l2"),
            ("escalate", "l2", (
                "Customer hits the per-minute API limit with single-SKU inventory calls.",
                "The limit for the Growth plan went from 1,000 to 600 per minute with the "
                "new API gateway on Nov 3. Need engineering to confirm whether that was "
                "intended and what to recommend.",
                "API rate limits; Gateway migration notes (internal)")),
            ("take", "l3"),
            ("note", "l3", "Gateway config had the Starter limit for Growth. Corrected to "
                           "1,000/min. Recommending the bulk endpoint anyway."),
            ("reply", "l3", "Hi Sam, thanks for the report. A configuration error in our "
                            "new API gateway gave your plan a lower limit; that's corrected. "
                            "For 2,000 SKUs I'd recommend the bulk endpoint, which takes up "
                            "to 250 items per call:\n\n"
                            "```\nPOST /v2/inventory/bulk\n"
                            "{\"items\": [{\"sku\": \"SKU-AIR-42\", \"available\": 17}, …]}"
                            "\n```\n\n"
                            "That's 8 calls per run instead of 2,000.", "resolved"),
            ("close", "customer2"),
        ],
    },
]
