# ruff: noqa: E501 -- prose: article text is kept as written, not wrapped at 100 columns
"""Demo knowledge base: what a social-commerce support team answers every day.

Each topic has an English and a German article sharing a translation key. A topic is
(key, category slug, visibility, status, English (title, summary, tags, body),
German (title, summary, tags, body)); a status may differ per language as "en:de".
"""

TOPICS = [
    ("refund-timeline", "orders", "public", "published",
     ("How a refund reaches your customer",
      "Refunds go back to the original payment method within 3 to 5 business days.",
      "refund, return, payment",
      """When you accept a return or cancel an order, we start the refund **immediately**.
How long it takes to show up depends on the payment method:

| Payment method | Time until the customer sees it |
|---|---|
| Card (Visa, Mastercard) | 3–5 business days |
| PayPal | usually within 24 hours |
| Klarna invoice | the invoice is reduced at once |
| Bank transfer | 1–2 business days after we have the customer's IBAN |

## If a customer says the money has not arrived

1. Open the order and check the **Refunds** tab: the status must be *completed*.
2. Send the customer the refund reference shown there; their bank can trace it.
3. After 10 business days without the money, file a ticket and include the order number.

Refunds are never paid out as vouchers unless the customer chose a voucher in the returns portal."""),
     ("So kommt die Rückerstattung bei deiner Kundin an",
      "Rückerstattungen gehen innerhalb von 3 bis 5 Werktagen auf das ursprüngliche Zahlungsmittel.",
      "rückerstattung, retoure, zahlung",
      """Sobald du eine Rücksendung annimmst oder eine Bestellung stornierst, stoßen wir die
Rückerstattung **sofort** an. Wie lange es dauert, hängt vom Zahlungsmittel ab:

| Zahlungsmittel | Bis die Kundin das Geld sieht |
|---|---|
| Karte (Visa, Mastercard) | 3–5 Werktage |
| PayPal | meist innerhalb von 24 Stunden |
| Klarna Rechnung | die Rechnung wird sofort gekürzt |
| Überweisung | 1–2 Werktage, sobald die IBAN vorliegt |

## Wenn das Geld nicht ankommt

1. Öffne die Bestellung, Reiter **Erstattungen**: Der Status muss *abgeschlossen* sein.
2. Schick der Kundin die Erstattungsreferenz; ihre Bank kann die Zahlung damit finden.
3. Nach 10 Werktagen ohne Geldeingang: Ticket mit Bestellnummer anlegen.

Als Gutschein wird nur erstattet, wenn die Kundin im Retourenportal einen Gutschein gewählt hat.""")),

    ("register-return", "orders", "public", "published",
     ("Registering a return",
      "Customers register returns in the returns portal; you approve them in Orders › Returns.",
      "return, returns portal, shipping label",
      """Your customers start a return themselves at **yourshop.com/returns** with their order
number and e-mail address. They pick the items and a reason and get a prepaid label if you
offer free returns.

You then see the return under **Orders › Returns**:

- **Approve** it to send the label (if not sent automatically).
- **Receive** it when the parcel is back: this starts the refund.
- **Reject** it with a reason the customer will read, e.g. *worn item*.

Tip: set your return window under *Settings › Returns* (14 days by law in the EU, many shops
offer 30)."""),
     ("Rücksendung anmelden",
      "Kundinnen melden Rücksendungen im Retourenportal an, du gibst sie unter Bestellungen › Retouren frei.",
      "rücksendung, retoure, retourenportal, versandetikett",
      """Deine Kundinnen starten eine Rücksendung selbst unter **deinshop.de/retoure** mit
Bestellnummer und E-Mail-Adresse. Sie wählen Artikel und Grund und bekommen ein frankiertes
Etikett, wenn du kostenlose Retouren anbietest.

Die Rücksendung erscheint dann unter **Bestellungen › Retouren**:

- **Freigeben** verschickt das Etikett (falls nicht automatisch).
- **Erhalten** markierst du, wenn das Paket zurück ist: Das startet die Rückerstattung.
- **Ablehnen** mit einer Begründung, die die Kundin liest, z. B. *getragener Artikel*.

Tipp: Die Rückgabefrist stellst du unter *Einstellungen › Retouren* ein (gesetzlich 14 Tage,
viele Shops bieten 30).""")),

    ("order-stuck-paid", "orders", "internal", "published:in_review",
     ("Order stuck in “paid”: no shipping label",
      "Usually a missing weight or an unverified sender address; check both before escalating.",
      "order, shipping label, dhl, paid",
      """**For agents.** An order stays in *paid* and the label button is greyed out when the
carrier rejects the label request. The carrier's answer is in the order's *Log* tab.

Check in this order:

1. **Product weight** missing on a variant (`weight: 0`): ask the merchant to add it.
2. **Sender address** not verified with the carrier (new shops): *Settings › Shipping ›
   Carrier accounts* shows a yellow warning.
3. **Packstation** address without a post number (DHL): ask the customer for it.

If the log shows `carrier_timeout` for more than two hours, escalate to level 2 with the
order number and the log excerpt."""),
     ("Bestellung hängt auf „bezahlt“: kein Versandetikett",
      "Meist fehlt ein Gewicht oder die Absenderadresse ist nicht verifiziert; beides prüfen, bevor du eskalierst.",
      "bestellung, versandetikett, dhl, bezahlt",
      """**Für Agents.** Eine Bestellung bleibt auf *bezahlt* und der Etikett-Button ist grau,
wenn der Versanddienstleister die Anfrage ablehnt. Die Antwort steht im Reiter *Protokoll*.

In dieser Reihenfolge prüfen:

1. **Produktgewicht** fehlt an einer Variante (`weight: 0`): Händlerin bitten, es einzutragen.
2. **Absenderadresse** beim Versanddienstleister nicht verifiziert (neue Shops):
   *Einstellungen › Versand › Versandkonten* zeigt eine gelbe Warnung.
3. **Packstation** ohne Postnummer (DHL): Kundin nach der Postnummer fragen.

Steht im Protokoll länger als zwei Stunden `carrier_timeout`, an Level 2 eskalieren, mit
Bestellnummer und Protokollauszug.""")),

    ("double-payment", "orders", "internal", "published",
     ("Customer paid twice for one order",
      "A second authorisation usually drops off by itself within 7 days; refund only captured payments.",
      "payment, double charge, paypal, card",
      """Before you refund anything, open the order's **Payments** tab:

- Two lines, one *authorised* and one *captured*: the authorisation is released by the
  customer's bank within 7 days. Nothing to refund; tell the customer so.
- Two *captured* payments: refund the second one from the Payments tab (not from the order,
  which would cancel it).
- One payment here but two on the customer's statement: ask for a screenshot and escalate to
  level 2; it may be a payment-provider incident.

Never refund via bank transfer from the merchant's own account: it cannot be reconciled."""),
     ("Kundin hat zweimal bezahlt",
      "Eine zweite Autorisierung verfällt meist von selbst innerhalb von 7 Tagen; erstattet wird nur, was eingezogen wurde.",
      "zahlung, doppelt bezahlt, paypal, karte",
      """Bevor du etwas erstattest, öffne den Reiter **Zahlungen** der Bestellung:

- Zwei Zeilen, eine *autorisiert*, eine *eingezogen*: Die Autorisierung gibt die Bank der
  Kundin innerhalb von 7 Tagen frei. Nichts zu erstatten; der Kundin so erklären.
- Zwei *eingezogene* Zahlungen: die zweite im Reiter Zahlungen erstatten (nicht über die
  Bestellung, das würde sie stornieren).
- Eine Zahlung hier, aber zwei auf dem Kontoauszug: Screenshot erbitten und an Level 2
  eskalieren; möglicherweise eine Störung beim Zahlungsanbieter.

Niemals per Überweisung vom Konto der Händlerin erstatten: Das lässt sich nicht abgleichen.""")),

    ("payout-schedule", "payouts", "public", "published",
     ("Payout schedule and payout status",
      "Payouts go out every Monday for orders delivered at least 14 days earlier.",
      "payout, schedule, bank, iban",
      """We pay out **every Monday**. A payout contains all orders that were **delivered at least
14 days before** (the return window) minus refunds, fees and commissions.

What the statuses mean:

- **Scheduled** – the payout will be sent next Monday.
- **Sent** – the money has left our bank. Allow 1–2 business days (SEPA).
- **On hold** – we need something from you, see the banner in *Payouts*.
- **Returned** – your bank rejected it; check your IBAN and account holder name.

You can download a CSV of every payout with the orders it contains under
*Payouts › Export*."""),
     ("Auszahlungen: Zeitplan und Status",
      "Ausgezahlt wird jeden Montag, für Bestellungen, die mindestens 14 Tage vorher zugestellt wurden.",
      "auszahlung, zeitplan, bank, iban",
      """Wir zahlen **jeden Montag** aus. Eine Auszahlung enthält alle Bestellungen, die
**mindestens 14 Tage vorher zugestellt** wurden (Rückgabefrist), abzüglich Erstattungen,
Gebühren und Provisionen.

Was die Status bedeuten:

- **Geplant** – geht am nächsten Montag raus.
- **Gesendet** – das Geld hat unsere Bank verlassen. 1–2 Werktage einplanen (SEPA).
- **Angehalten** – wir brauchen etwas von dir, siehe Hinweis unter *Auszahlungen*.
- **Zurückgekommen** – deine Bank hat sie abgelehnt; IBAN und Kontoinhaber prüfen.

Eine CSV jeder Auszahlung mit allen enthaltenen Bestellungen gibt es unter
*Auszahlungen › Export*.""")),

    ("payout-missing", "payouts", "internal", "published",
     ("Payout “sent” but not received",
      "Check IBAN, the SEPA reference and the payout log; after 3 business days escalate to level 2.",
      "payout, missing, sepa, iban",
      """**For agents.** When a merchant says a payout marked *sent* has not arrived:

1. Compare the IBAN in the payout log with the one in the merchant's profile (changed
   recently? payouts use the IBAN valid on Friday).
2. Give the merchant the **SEPA reference** (`PO-…`) from the payout log: their bank can trace
   the transfer with it.
3. Less than 3 business days since *sent*: ask them to wait; Monday payouts often arrive on
   Wednesday.
4. More than 3 business days: escalate to level 2 with the payout id and the SEPA reference.
   Level 2 asks finance for a bank recall.

Do not promise a new payout: a second transfer is only made after the first one is recalled."""),
     ("Auszahlung „gesendet“, aber nicht angekommen",
      "IBAN, SEPA-Referenz und Auszahlungsprotokoll prüfen; nach 3 Werktagen an Level 2 eskalieren.",
      "auszahlung, fehlt, sepa, iban",
      """**Für Agents.** Wenn eine Händlerin sagt, eine als *gesendet* markierte Auszahlung sei
nicht angekommen:

1. IBAN im Auszahlungsprotokoll mit der im Profil vergleichen (kürzlich geändert? Es gilt die
   IBAN, die am Freitag hinterlegt war).
2. Der Händlerin die **SEPA-Referenz** (`PO-…`) aus dem Protokoll geben: Ihre Bank findet die
   Überweisung damit.
3. Weniger als 3 Werktage seit *gesendet*: um Geduld bitten; Montagsauszahlungen kommen oft
   am Mittwoch an.
4. Mehr als 3 Werktage: an Level 2 eskalieren, mit Auszahlungs-ID und SEPA-Referenz. Level 2
   beauftragt die Buchhaltung mit einem Rückruf.

Keine neue Auszahlung versprechen: Eine zweite Überweisung gibt es erst nach dem Rückruf.""")),

    ("commission-calculation", "payouts", "public", "published",
     ("How commissions are calculated",
      "Commission is a percentage of the net item price, after discounts and before shipping.",
      "commission, fees, calculation, influencer",
      """Your commission to us and the commission you pay influencers are both calculated on the
**net item price**:

```
net item price = item price − discount codes − VAT
commission     = net item price × rate
```

Shipping costs, gift wrapping and tips are never part of the base.

- Cancelled or fully refunded orders: the commission is reversed in the next payout.
- Partial refunds: the commission is reduced proportionally.

The *Payouts › Export* CSV shows the base and the commission for every order line."""),
     ("So wird die Provision berechnet",
      "Die Provision ist ein Prozentsatz des Netto-Artikelpreises, nach Rabatten und ohne Versand.",
      "provision, gebühren, berechnung, influencer",
      """Deine Provision an uns und die Provision an Influencerinnen werden beide auf den
**Netto-Artikelpreis** berechnet:

```
Netto-Artikelpreis = Artikelpreis − Rabattcodes − Umsatzsteuer
Provision          = Netto-Artikelpreis × Satz
```

Versandkosten, Geschenkverpackung und Trinkgeld gehören nie zur Basis.

- Stornierte oder voll erstattete Bestellungen: Die Provision wird mit der nächsten
  Auszahlung zurückgebucht.
- Teilerstattungen: Die Provision sinkt anteilig.

Die CSV unter *Auszahlungen › Export* zeigt Basis und Provision für jede Bestellposition.""")),

    ("payout-verification", "payouts", "public", "published",
     ("Payouts paused: “additional verification required”",
      "Upload the requested document under Settings › Verification; payouts resume within 2 business days.",
      "payout, verification, kyc, on hold",
      """Financial regulation requires us to verify a business when its sales pass certain
thresholds, or when its bank details or legal owner change. Until then payouts are **on hold**
(your sales are not affected).

What to do:

1. Open **Settings › Verification**. It lists exactly which documents are missing.
2. Upload them as PDF or photo: usually an ID of the owner and a trade register excerpt.
3. We review within 2 business days; held payouts are then sent with the next run.

We never ask for documents by e-mail. If you got such an e-mail, do not reply: forward it to
our support."""),
     ("Auszahlungen angehalten: „zusätzliche Verifizierung erforderlich“",
      "Lade das angeforderte Dokument unter Einstellungen › Verifizierung hoch; die Auszahlungen laufen innerhalb von 2 Werktagen wieder.",
      "auszahlung, verifizierung, kyc, angehalten",
      """Die Finanzaufsicht verlangt, dass wir ein Unternehmen verifizieren, wenn seine Umsätze
bestimmte Grenzen überschreiten oder sich Bankdaten oder Inhaber ändern. Bis dahin sind
Auszahlungen **angehalten** (deine Verkäufe laufen normal weiter).

So geht's:

1. **Einstellungen › Verifizierung** öffnen. Dort steht genau, was fehlt.
2. Dokumente als PDF oder Foto hochladen: meist Ausweis der Inhaberin und Handelsregisterauszug.
3. Wir prüfen innerhalb von 2 Werktagen; angehaltene Auszahlungen gehen mit dem nächsten Lauf raus.

Wir fordern Dokumente nie per E-Mail an. Hast du so eine E-Mail bekommen, antworte nicht,
sondern leite sie an unseren Support weiter.""")),

    ("shop-setup-checklist", "shop-setup", "public", "published",
     ("Shop set-up checklist",
      "Eight steps from a new account to your first sale.",
      "setup, checklist, launch",
      """Work through this list before you share your shop link:

1. **Legal pages**: imprint, terms, privacy policy and withdrawal policy (*Settings › Legal*).
2. **Payment methods**: activate at least card and PayPal.
3. **Shipping zones and rates** for every country you sell to.
4. **Taxes**: your VAT ID and whether prices include VAT.
5. **Products** with photos, variants, weight and stock.
6. **Logo and colours** under *Design*.
7. **Test order**: buy something with the test card `4242 4242 4242 4242`, then refund it.
8. **Connect your social shops** (Instagram, Facebook, TikTok) so they sync your catalogue.

Your shop shows *temporarily closed* until steps 1–3 are done."""),
     ("Checkliste für die Shop-Einrichtung",
      "Acht Schritte vom neuen Konto bis zum ersten Verkauf.",
      "einrichtung, checkliste, start",
      """Arbeite diese Liste ab, bevor du deinen Shop-Link teilst:

1. **Rechtstexte**: Impressum, AGB, Datenschutz und Widerrufsbelehrung (*Einstellungen › Rechtliches*).
2. **Zahlungsarten**: mindestens Karte und PayPal aktivieren.
3. **Versandzonen und -kosten** für jedes Land, in das du verkaufst.
4. **Steuern**: USt-IdNr. und ob Preise die Umsatzsteuer enthalten.
5. **Produkte** mit Fotos, Varianten, Gewicht und Bestand.
6. **Logo und Farben** unter *Design*.
7. **Testbestellung** mit der Testkarte `4242 4242 4242 4242`, danach erstatten.
8. **Social-Shops verbinden** (Instagram, Facebook, TikTok), damit sie deinen Katalog übernehmen.

Bis Schritt 1–3 erledigt sind, zeigt dein Shop *vorübergehend geschlossen*.""")),

    ("custom-domain", "shop-setup", "public", "published",
     ("Connecting your own domain",
      "Point a CNAME record to shops.example-commerce.com; the SSL certificate follows within an hour.",
      "domain, dns, ssl, cname",
      """1. In *Settings › Domain* enter your domain, e.g. `shop.yourbrand.com`.
2. At your domain provider, create a **CNAME** record:

   | Name | Type | Value |
   |---|---|---|
   | shop | CNAME | shops.example-commerce.com |

3. Wait for DNS (minutes to a few hours). The status changes to *connected*.
4. We then issue the **SSL certificate** automatically, usually within an hour.

## Certificate stuck at “issuing”
A leftover **CAA record** or an **AAAA record** pointing elsewhere blocks the certificate.
Remove it; we retry every 30 minutes.

## ERR_TOO_MANY_REDIRECTS
Your provider's own "force HTTPS" or proxy (e.g. Cloudflare in *flexible* mode) loops with
ours. Switch the proxy to *full* or turn it off."""),
     ("Eigene Domain verbinden",
      "Einen CNAME-Eintrag auf shops.example-commerce.com setzen; das SSL-Zertifikat folgt innerhalb einer Stunde.",
      "domain, dns, ssl, cname",
      """1. Unter *Einstellungen › Domain* die Domain eintragen, z. B. `shop.deinemarke.de`.
2. Beim Domain-Anbieter einen **CNAME**-Eintrag anlegen:

   | Name | Typ | Wert |
   |---|---|---|
   | shop | CNAME | shops.example-commerce.com |

3. Auf DNS warten (Minuten bis wenige Stunden). Der Status wechselt auf *verbunden*.
4. Danach stellen wir das **SSL-Zertifikat** automatisch aus, meist innerhalb einer Stunde.

## Zertifikat hängt bei „wird ausgestellt“
Ein alter **CAA-Eintrag** oder ein **AAAA-Eintrag**, der woanders hinzeigt, blockiert das
Zertifikat. Entfernen; wir versuchen es alle 30 Minuten erneut.

## ERR_TOO_MANY_REDIRECTS
Das „HTTPS erzwingen“ oder der Proxy deines Anbieters (z. B. Cloudflare im Modus *flexibel*)
dreht sich im Kreis mit unserem. Proxy auf *voll* stellen oder ausschalten.""")),

    ("shipping-rates", "shop-setup", "public", "published",
     ("Setting shipping rates for other countries",
      "Create a shipping zone per country group and add a flat or weight-based rate.",
      "shipping, rates, austria, switzerland, zones",
      """Under **Settings › Shipping** every country you sell to belongs to a *zone*.

1. **Add zone**, e.g. *Austria* or *Switzerland*.
2. Add one or more **rates**: flat (e.g. €6.90), by weight or free above an order value.
3. For **Switzerland** (outside the EU) enable *Show customs notice*: customers then see that
   import duties may apply.

Products without a weight are charged the lowest weight band. Check the preview at the bottom
of the page before saving."""),
     ("Versandkosten für Österreich und die Schweiz einrichten",
      "Pro Ländergruppe eine Versandzone anlegen und einen Pauschal- oder Gewichtstarif hinzufügen.",
      "versand, versandkosten, österreich, schweiz, zonen",
      """Unter **Einstellungen › Versand** gehört jedes Land, in das du verkaufst, zu einer *Zone*.

1. **Zone hinzufügen**, z. B. *Österreich* oder *Schweiz*.
2. Einen oder mehrere **Tarife** anlegen: pauschal (z. B. 6,90 €), nach Gewicht oder
   kostenlos ab einem Bestellwert.
3. Für die **Schweiz** (außerhalb der EU) *Zollhinweis anzeigen* aktivieren: Kundinnen sehen
   dann, dass Einfuhrabgaben anfallen können.

Produkte ohne Gewicht werden mit der niedrigsten Gewichtsstufe berechnet. Vor dem Speichern
die Vorschau unten auf der Seite prüfen.""")),

    ("connect-instagram", "social-sync", "public", "published",
     ("Connecting your Instagram shop",
      "Connect a Facebook business page and an Instagram professional account, then pick your catalogue.",
      "instagram, connect, meta, catalogue",
      """You need an **Instagram professional account** linked to a **Facebook page** in Meta
Business Suite.

1. In *Channels › Instagram* click **Connect** and log in with Facebook.
2. Allow all requested permissions (catalogue and shop); missing ones break the sync later.
3. Choose the business account and the catalogue. We create the catalogue if you have none.
4. Meta reviews your shop (1–3 days). After approval you can tag products in posts.

Product tagging is only available in countries where Meta offers Instagram Shopping."""),
     ("Instagram-Shop verbinden",
      "Eine Facebook-Unternehmensseite und ein professionelles Instagram-Konto verbinden, dann den Katalog wählen.",
      "instagram, verbinden, meta, katalog",
      """Du brauchst ein **professionelles Instagram-Konto**, das in der Meta Business Suite mit
einer **Facebook-Seite** verknüpft ist.

1. Unter *Kanäle › Instagram* auf **Verbinden** klicken und mit Facebook anmelden.
2. Alle angefragten Berechtigungen erlauben (Katalog und Shop); fehlende brechen später die
   Synchronisierung.
3. Unternehmenskonto und Katalog wählen. Gibt es noch keinen, legen wir ihn an.
4. Meta prüft deinen Shop (1–3 Tage). Danach kannst du Produkte in Beiträgen markieren.

Produktmarkierungen gibt es nur in Ländern, in denen Meta Instagram Shopping anbietet.""")),

    ("connect-facebook", "social-sync", "public", "published",
     ("Reconnecting the Facebook catalogue after a password change",
      "A Facebook password change ends our access token; reconnect once under Channels › Facebook.",
      "facebook, catalogue, reconnect, token",
      """When you change your Facebook password, or remove our app under *Business integrations*,
Meta invalidates our access. Your catalogue then stops updating and *Channels* shows
**Disconnected**.

1. Open **Channels › Facebook** and click **Reconnect**.
2. Log in as an **admin** of the business account (not just an editor).
3. Keep the existing catalogue selected: choosing a new one loses your product tags.

The next sync starts within 15 minutes. Products removed in the meantime come back
automatically."""),
     ("Facebook-Katalog nach Passwortänderung wieder verbinden",
      "Eine Passwortänderung bei Facebook beendet unseren Zugriff; einmal unter Kanäle › Facebook neu verbinden.",
      "facebook, katalog, neu verbinden, token",
      """Wenn du dein Facebook-Passwort änderst oder unsere App unter *Unternehmensintegrationen*
entfernst, widerruft Meta unseren Zugriff. Der Katalog wird dann nicht mehr aktualisiert und
unter *Kanäle* steht **Getrennt**.

1. **Kanäle › Facebook** öffnen und **Neu verbinden** klicken.
2. Als **Admin** des Unternehmenskontos anmelden (nicht nur als Redakteurin).
3. Den bisherigen Katalog ausgewählt lassen: Ein neuer Katalog verliert deine Produktmarkierungen.

Die nächste Synchronisierung startet innerhalb von 15 Minuten. Zwischenzeitlich entfernte
Produkte kommen automatisch zurück.""")),

    ("connect-tiktok", "social-sync", "public", "published",
     ("Connecting TikTok Shop",
      "Authorise us in TikTok Seller Center; product images must be at least 600 × 600 px.",
      "tiktok, tiktok shop, connect, images",
      """1. Create a **TikTok Seller Center** account for your country.
2. In *Channels › TikTok* click **Connect** and authorise our app in Seller Center.
3. Map your categories to TikTok's categories (required for every product).
4. Products appear in TikTok Shop after TikTok's review, usually within 24 hours.

## Rejected images
TikTok rejects images smaller than **600 × 600 px**, with text overlays or watermarks, or with
more than one product. The rejection reason is shown per product under *Channels › TikTok ›
Issues*.

## Prices
TikTok rounds prices in some currencies. Set *Price rounding* to **off** in the channel
settings if you use prices like €19.99."""),
     ("TikTok Shop verbinden",
      "Uns im TikTok Seller Center autorisieren; Produktbilder brauchen mindestens 600 × 600 px.",
      "tiktok, tiktok shop, verbinden, bilder",
      """1. Ein **TikTok Seller Center**-Konto für dein Land anlegen.
2. Unter *Kanäle › TikTok* auf **Verbinden** klicken und unsere App im Seller Center autorisieren.
3. Deine Kategorien den TikTok-Kategorien zuordnen (für jedes Produkt Pflicht).
4. Produkte erscheinen nach der Prüfung durch TikTok im Shop, meist innerhalb von 24 Stunden.

## Abgelehnte Bilder
TikTok lehnt Bilder unter **600 × 600 px**, mit Texteinblendungen oder Wasserzeichen oder mit
mehreren Produkten ab. Den Grund siehst du pro Produkt unter *Kanäle › TikTok › Probleme*.

## Preise
TikTok rundet Preise in manchen Währungen. Stell *Preisrundung* in den Kanaleinstellungen auf
**aus**, wenn du Preise wie 19,99 € verwendest.""")),

    ("feed-sync-errors", "social-sync", "public", "published",
     ("Product-feed sync errors explained",
      "What the most common catalogue sync errors mean and how to fix each one.",
      "feed, sync, catalogue, errors, instagram, facebook, tiktok",
      """Sync errors are listed under **Channels › Issues** with the product and the channel.

| Error | Meaning | Fix |
|---|---|---|
| `price must be a positive number` | a variant costs 0 | set a price or hide the variant |
| `missing image` | no image on the product or variant | add an image of at least 600 px |
| `invalid gtin` | barcode with wrong check digit | correct it or leave the field empty |
| `variant limit exceeded` | more than 100 variants | split the product |
| `category required` | TikTok needs a category | map categories in the channel settings |

Fixed products sync again within 15 minutes. Use **Sync now** for a single product."""),
     ("Fehler bei der Produkt-Synchronisierung erklärt",
      "Was die häufigsten Katalog-Fehler bedeuten und wie du sie behebst.",
      "feed, synchronisierung, katalog, fehler, instagram, facebook, tiktok",
      """Synchronisierungsfehler stehen unter **Kanäle › Probleme**, mit Produkt und Kanal.

| Fehler | Bedeutung | Lösung |
|---|---|---|
| `price must be a positive number` | eine Variante kostet 0 | Preis setzen oder Variante ausblenden |
| `missing image` | kein Bild am Produkt oder an der Variante | Bild mit mindestens 600 px ergänzen |
| `invalid gtin` | Barcode mit falscher Prüfziffer | korrigieren oder Feld leer lassen |
| `variant limit exceeded` | mehr als 100 Varianten | Produkt aufteilen |
| `category required` | TikTok braucht eine Kategorie | Kategorien im Kanal zuordnen |

Korrigierte Produkte werden innerhalb von 15 Minuten neu übertragen. Mit **Jetzt
synchronisieren** geht es für ein einzelnes Produkt sofort.""")),

    ("instagram-prices-without-vat", "social-sync", "internal", "published:in_review",
     ("Known error: Instagram shows prices without VAT",
      "Since the 4.12 catalogue update, shops with “prices exclude VAT” send net prices to Meta. Workaround inside.",
      "instagram, vat, price, known error, catalogue",
      """**Known error – level 3 is working on it.**

*Symptom:* products in the Instagram shop show the price without VAT, checkout charges the
correct gross price, customers complain.

*Affected:* shops with *Settings › Taxes › Prices exclude VAT* enabled (mostly B2B shops).

*Workaround for level 1:*

1. In *Channels › Instagram › Settings* switch **Price source** to *gross price*.
2. Click **Sync now**. Prices are correct within 15 minutes.
3. Link the ticket to this article so we can count affected shops."""),
     ("Bekannter Fehler: Instagram zeigt Preise ohne Umsatzsteuer",
      "Seit dem Katalog-Update 4.12 senden Shops mit „Preise ohne USt.“ Nettopreise an Meta. Workaround im Artikel.",
      "instagram, umsatzsteuer, preis, bekannter fehler, katalog",
      """**Bekannter Fehler – Level 3 arbeitet daran.**

*Symptom:* Produkte im Instagram-Shop zeigen den Preis ohne Umsatzsteuer, der Checkout
berechnet den richtigen Bruttopreis, Kundinnen beschweren sich.

*Betroffen:* Shops mit aktivierter Einstellung *Steuern › Preise ohne USt.* (meist B2B).

*Workaround für Level 1:*

1. Unter *Kanäle › Instagram › Einstellungen* die **Preisquelle** auf *Bruttopreis* stellen.
2. **Jetzt synchronisieren** klicken. Nach 15 Minuten stimmen die Preise.
3. Das Ticket mit diesem Artikel verknüpfen, damit wir betroffene Shops zählen können.""")),

    ("influencer-codes", "influencers", "public", "published",
     ("Creating influencer discount codes",
      "Create a code per influencer with a usage limit and a commission; sales are attributed automatically.",
      "influencer, discount code, commission, affiliate",
      """Under **Marketing › Influencers**:

1. **Add influencer** with name, e-mail and commission rate (e.g. 10 %).
2. Create their **code**, e.g. `LISA15` for 15 % off. Set:
   - a **usage limit** (total and per customer),
   - a **validity period**,
   - whether it applies to **sale items** (off by default).
3. Share the code or their personal link `yourshop.com/r/lisa`.

Every order with the code or link is attributed to the influencer; their commission appears
in your payout export. Codes are case-insensitive."""),
     ("Influencer-Rabattcodes anlegen",
      "Pro Influencerin einen Code mit Nutzungsgrenze und Provision anlegen; Verkäufe werden automatisch zugeordnet.",
      "influencer, rabattcode, provision, affiliate",
      """Unter **Marketing › Influencer**:

1. **Influencerin hinzufügen** mit Name, E-Mail und Provisionssatz (z. B. 10 %).
2. Ihren **Code** anlegen, z. B. `LISA15` für 15 % Rabatt. Einstellen:
   - eine **Nutzungsgrenze** (gesamt und pro Kundin),
   - einen **Gültigkeitszeitraum**,
   - ob er auch für **reduzierte Artikel** gilt (standardmäßig aus).
3. Den Code oder ihren persönlichen Link `deinshop.de/r/lisa` teilen.

Jede Bestellung mit Code oder Link wird der Influencerin zugeordnet; ihre Provision steht im
Auszahlungsexport. Groß- und Kleinschreibung spielt keine Rolle.""")),

    ("influencer-code-rejected", "influencers", "internal", "published",
     ("Influencer code rejected at checkout",
      "Check validity, usage limits, minimum order value and sale-item rules, in that order.",
      "influencer, discount code, checkout, rejected",
      """**For agents.** The checkout says *This code is not valid* in all of these cases, so
check the code under *Marketing › Influencers › Codes*:

1. **Validity period** – started yet? Times are in the shop's time zone.
2. **Usage limit** reached (total or per customer). A code used 400 times with a limit of
   100 means the limit was raised later; ask the merchant before changing it.
3. **Minimum order value** not reached (after other discounts).
4. Cart contains only **sale items** and the code excludes them.
5. Another code is already applied: only one code per order.

If none applies, escalate to level 2 with the code, the cart contents and a screenshot."""),
     ("Influencer-Code wird im Checkout abgelehnt",
      "Gültigkeit, Nutzungsgrenzen, Mindestbestellwert und Regeln für reduzierte Artikel prüfen, in dieser Reihenfolge.",
      "influencer, rabattcode, checkout, abgelehnt",
      """**Für Agents.** Der Checkout meldet in all diesen Fällen *Dieser Code ist ungültig*,
also den Code unter *Marketing › Influencer › Codes* prüfen:

1. **Gültigkeitszeitraum** – schon gestartet? Zeiten gelten in der Zeitzone des Shops.
2. **Nutzungsgrenze** erreicht (gesamt oder pro Kundin). Ein 400-mal genutzter Code mit
   Grenze 100 heißt, die Grenze wurde später erhöht; vor Änderungen die Händlerin fragen.
3. **Mindestbestellwert** nicht erreicht (nach anderen Rabatten).
4. Warenkorb enthält nur **reduzierte Artikel** und der Code schließt sie aus.
5. Es ist schon ein anderer Code aktiv: nur ein Code pro Bestellung.

Trifft nichts zu, an Level 2 eskalieren, mit Code, Warenkorbinhalt und Screenshot.""")),

    ("influencer-attribution", "influencers", "public", "published",
     ("How sales are attributed to influencers",
      "A code always wins; otherwise the last influencer link clicked within 30 days gets the sale.",
      "influencer, attribution, affiliate, tracking, cookie",
      """1. An order with an influencer **code** belongs to that influencer.
2. Without a code, the **last influencer link** the customer clicked within **30 days** gets
   the sale (a first-party cookie).
3. Cancelled and refunded orders do not earn commission; partial refunds reduce it.

## Clicks not tracked
Links opened inside the TikTok or Instagram in-app browser keep the cookie only within that
browser. If the customer switches to Safari or Chrome to pay, use a code instead of a link."""),
     ("So werden Verkäufe Influencerinnen zugeordnet",
      "Ein Code gewinnt immer; sonst bekommt der zuletzt geklickte Influencer-Link der letzten 30 Tage den Verkauf.",
      "influencer, zuordnung, affiliate, tracking, cookie",
      """1. Eine Bestellung mit Influencer-**Code** gehört dieser Influencerin.
2. Ohne Code bekommt der **zuletzt geklickte Influencer-Link** der letzten **30 Tage** den
   Verkauf (ein First-Party-Cookie).
3. Stornierte und erstattete Bestellungen bringen keine Provision; Teilerstattungen mindern sie.

## Klicks werden nicht erfasst
Links, die im In-App-Browser von TikTok oder Instagram geöffnet werden, behalten das Cookie
nur in diesem Browser. Wechselt die Kundin zum Bezahlen in Safari oder Chrome, besser einen
Code statt eines Links verwenden.""")),

    ("two-factor", "account", "public", "published",
     ("Two-factor codes are not accepted",
      "Almost always the phone's clock is off; turn on automatic time, or use a backup code.",
      "2fa, two-factor, login, authenticator",
      """Authenticator codes depend on the exact time. If codes are rejected:

1. On the phone, turn on **automatic date and time** (Android: *Settings › System › Date &
   time*; iPhone: *Settings › General › Date & Time*).
2. Wait for the next code and try again.
3. Still failing? Log in with one of your **backup codes** and set up two-factor again under
   *Profile › Security*.

Lost your phone and your backup codes? Our support can reset two-factor after verifying your
identity; this takes up to 2 business days."""),
     ("Zwei-Faktor-Codes werden nicht akzeptiert",
      "Fast immer geht die Uhr des Handys falsch; automatische Uhrzeit einschalten oder einen Backup-Code nutzen.",
      "2fa, zwei-faktor, anmeldung, authenticator",
      """Authenticator-Codes hängen von der genauen Uhrzeit ab. Werden Codes abgelehnt:

1. Am Handy **Datum und Uhrzeit automatisch** einschalten (Android: *Einstellungen › System ›
   Datum & Uhrzeit*; iPhone: *Einstellungen › Allgemein › Datum & Uhrzeit*).
2. Auf den nächsten Code warten und erneut versuchen.
3. Klappt es nicht? Mit einem **Backup-Code** anmelden und Zwei-Faktor unter *Profil ›
   Sicherheit* neu einrichten.

Handy und Backup-Codes verloren? Unser Support setzt Zwei-Faktor nach einer
Identitätsprüfung zurück; das dauert bis zu 2 Werktage.""")),

    ("account-locked", "account", "public", "published",
     ("Account locked after too many login attempts",
      "The lock lifts after 15 minutes; reset your password if you are unsure of it.",
      "login, locked, password, security",
      """After 5 wrong passwords we lock the login for **15 minutes** to stop password guessing.

- Wait 15 minutes and try again, or
- use **Forgot password** on the login page: the reset link works even while locked.

If you did not try to log in yourself, reset your password now and turn on two-factor
authentication under *Profile › Security*."""),
     ("Konto nach zu vielen Anmeldeversuchen gesperrt",
      "Die Sperre endet nach 15 Minuten; setz dein Passwort zurück, wenn du unsicher bist.",
      "anmeldung, gesperrt, passwort, sicherheit",
      """Nach 5 falschen Passwörtern sperren wir die Anmeldung für **15 Minuten**, um das Raten
von Passwörtern zu verhindern.

- 15 Minuten warten und erneut versuchen, oder
- **Passwort vergessen** auf der Anmeldeseite nutzen: Der Link funktioniert auch während der
  Sperre.

Hast du nicht selbst versucht, dich anzumelden, setz dein Passwort jetzt zurück und schalte
unter *Profil › Sicherheit* die Zwei-Faktor-Anmeldung ein.""")),

    ("staff-accounts", "account", "public", "published:in_review",
     ("Adding staff accounts",
      "Invite team members under Settings › Team and give each only the permissions they need.",
      "staff, team, permissions, account",
      """Under **Settings › Team › Invite** enter the e-mail address and pick a role:

| Role | Can |
|---|---|
| Packer | see and ship orders, print labels |
| Support | everything a packer can, plus refunds and returns |
| Manager | everything except payouts and bank details |
| Owner | everything (only one per shop) |

The invitation link is valid for 7 days. Remove people who leave under *Settings › Team*:
their sessions end at once."""),
     ("Mitarbeiterkonten anlegen",
      "Teammitglieder unter Einstellungen › Team einladen und jeder Person nur die nötigen Rechte geben.",
      "mitarbeiter, team, rechte, konto",
      """Unter **Einstellungen › Team › Einladen** die E-Mail-Adresse eintragen und eine Rolle wählen:

| Rolle | Darf |
|---|---|
| Packerin | Bestellungen sehen und versenden, Etiketten drucken |
| Support | alles wie Packerin, dazu Erstattungen und Retouren |
| Managerin | alles außer Auszahlungen und Bankdaten |
| Inhaberin | alles (nur eine pro Shop) |

Der Einladungslink gilt 7 Tage. Wer das Team verlässt, unter *Einstellungen › Team*
entfernen: Die Sitzungen enden sofort.""")),
]

# Demo tickets (by subject) and the article topic that solved them.
TICKET_LINKS = [
    ("Rücksendung wurde nicht erstattet", "refund-timeline", "de"),
    ("Retourenportal erstattet als Gutschein statt auf die Karte", "refund-timeline", "de"),
    ("Kundin hat zweimal bezahlt", "double-payment", "de"),
    ("Auszahlung für Oktober fehlt", "payout-missing", "de"),
    ("Payouts paused: 'additional verification required'", "payout-verification", "en"),
    ("Instagram shop shows wrong prices", "instagram-prices-without-vat", "en"),
    ("TikTok Shop rejects 12 product images", "connect-tiktok", "en"),
    ("Facebook-Katalog nach Passwortänderung getrennt", "connect-facebook", "de"),
    ("Facebook catalogue sync fails: 'price must be a positive number'", "feed-sync-errors",
     "en"),
    ("Influencer-Code LISA15 wird im Checkout abgelehnt", "influencer-code-rejected", "de"),
    ("Two-factor codes are not accepted", "two-factor", "en"),
    ("Konto nach zu vielen Anmeldeversuchen gesperrt", "account-locked", "de"),
    ("How do I add a staff account for my packer?", "staff-accounts", "en"),
    ("Versandkosten für Österreich und die Schweiz einrichten", "shipping-rates", "de"),
    ("Eigene Domain: SSL-Zertifikat hängt bei „wird ausgestellt“", "custom-domain", "de"),
    ("Shop nicht erreichbar: ERR_TOO_MANY_REDIRECTS", "custom-domain", "de"),
    ("Order stuck in 'paid', can't create a shipping label", "order-stuck-paid", "en"),
    ("Affiliate clicks from TikTok bio link not tracked", "influencer-attribution", "en"),
    ("Provision für Influencerin falsch berechnet", "commission-calculation", "de"),
]


# Topics that exist in one language only (no translation yet): search finds them from the
# other language through the dictionary and the synonyms (kb.crosslang, kb/demo_training.py).
# (category slug, visibility, language, (title, summary, tags, body))
ONE_LANGUAGE = [
    ("orders", "public", "en",
     ("Exporting orders to a spreadsheet",
      "Download your orders as a CSV file for your accounting or a packing list.",
      "export, csv, orders, accounting",
      """Go to **Orders**, filter the orders you need (for example by date or status) and click
**Export › CSV**. The file has one line per order item with the order number, date, customer,
shipping address, product, quantity, price and VAT.

- Open it in Excel, Numbers or LibreOffice: choose UTF-8 and comma as separator.
- For your accountant, export *paid* orders of one month.
- Exports of more than 10,000 lines are sent to your e-mail address as a download link."""),
     ),
    ("payouts", "public", "de",
     ("Kleinunternehmerregelung: Rechnungen ohne Umsatzsteuer",
      "Als Kleinunternehmerin stellst du Rechnungen ohne Umsatzsteuer aus – so richtest du das ein.",
      "kleinunternehmer, umsatzsteuer, rechnung, steuer",
      """Wenn du die Kleinunternehmerregelung (§ 19 UStG) nutzt, darfst du keine Umsatzsteuer
ausweisen. So stellst du deinen Shop um:

1. **Einstellungen › Steuern**: *Kleinunternehmerregelung* aktivieren.
2. Deine Preise bleiben, wie sie sind; auf Rechnungen steht statt der Steuer der Hinweis
   „Gemäß § 19 UStG wird keine Umsatzsteuer berechnet.“
3. Prüfe jedes Jahr, ob du unter der Umsatzgrenze bleibst – sonst die Regelung wieder abschalten.

Deine Auszahlungen ändern sich dadurch nicht: Wir ziehen nur unsere Provision ab."""),
     ),
]
