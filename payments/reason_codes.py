"""Reject and return reason codes (ISO ExternalStatusReason / ExternalReturnReason, as used
by the EPC SCT rulebook) in plain Dutch and English for a budget coach and the client.

Texts say what happened and, where it helps, what to do; they avoid bank jargon. Codes come
from reference/sepa.md 4.3 (ISO code list, NVB camt.053 IG Annex D, RegioBank and Worldline
reject lists) plus the SEPA codes that list leaves out but banks send (AC02, AG03, AM03,
AM07, AM10, AM21, BE01, DS0H, ED05, ERIN, FF05, MD01, MD06, MS01, RR05-RR12, SL01, TECH, FRAD).

``account_problem`` marks codes that say the creditor's account cannot take the money (wrong,
closed or blocked account, holder deceased): paying the same IBAN again must be refused until
someone has checked it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

Language = Literal["nl", "en"]


@dataclass(frozen=True, slots=True)
class ReasonCode:
    code: str
    nl: str
    en: str
    account_problem: bool = False

    def text(self, language: Language) -> str:
        return self.nl if language == "nl" else self.en


UNKNOWN_NL: Final = "De bank gaf reden {code}; die kennen we niet. Vraag de afdeling financiën."
UNKNOWN_EN: Final = "The bank gave reason {code}, which we do not know. Ask the finance team."

_ACCOUNT = True
_CODES: Final[tuple[ReasonCode, ...]] = (
    ReasonCode("AC01", "Het rekeningnummer bestaat niet (meer).",
               "The account number does not exist.", _ACCOUNT),
    ReasonCode("AC02", "Het rekeningnummer van de gemeente is niet geldig.",
               "The municipality's account number is not valid."),
    ReasonCode("AC03", "Het rekeningnummer van de ontvanger is niet geldig.",
               "The recipient's account number is not valid.", _ACCOUNT),
    ReasonCode("AC04", "De rekening van de ontvanger is opgeheven.",
               "The recipient's account has been closed.", _ACCOUNT),
    ReasonCode("AC06", "De rekening van de ontvanger is geblokkeerd.",
               "The recipient's account is blocked.", _ACCOUNT),
    ReasonCode("AC13", "Het soort rekening van de gemeente past niet bij deze betaling.",
               "The municipality's account type does not allow this payment."),
    ReasonCode("AG01", "Op deze rekening kan zo niet betaald worden (bijv. een spaarrekening).",
               "This account does not accept this kind of payment (e.g. a savings account)."),
    ReasonCode("AG02", "De bank kon de opdracht technisch niet verwerken.",
               "The bank could not process the instruction for technical reasons."),
    ReasonCode("AG03", "De bank van de ontvanger voert dit soort betaling niet uit.",
               "The recipient's bank does not carry out this kind of payment."),
    ReasonCode("AM01", "Het bedrag was nul.", "The amount was zero."),
    ReasonCode("AM02", "Het bedrag is hoger dan toegestaan.",
               "The amount is higher than allowed."),
    ReasonCode("AM03", "De munteenheid is niet toegestaan.", "The currency is not allowed."),
    ReasonCode("AM04", "Er stond niet genoeg geld op de rekening van de gemeente.",
               "There was not enough money in the municipality's account."),
    ReasonCode("AM05", "De betaling is dubbel aangeboden en niet nog eens uitgevoerd.",
               "The payment was sent twice and was not carried out again."),
    ReasonCode("AM07", "Het bedrag is door de bank geblokkeerd.",
               "The amount was blocked by the bank."),
    ReasonCode("AM09", "Het bedrag klopt niet met wat was afgesproken.",
               "The amount is not the amount agreed."),
    ReasonCode("AM10", "Het totaal van het betaalbestand klopt niet.",
               "The total of the payment file is wrong."),
    ReasonCode("AM16", "Het totaalbedrag van het betaalbestand klopt niet.",
               "The control sum of the payment file is wrong."),
    ReasonCode("AM17", "Het totaalbedrag van een betaalopdracht klopt niet.",
               "The control sum of a payment batch is wrong."),
    ReasonCode("AM18", "Het aantal betalingen in het bestand klopt niet.",
               "The number of payments in the file is wrong."),
    ReasonCode("AM19", "Het aantal betalingen in het betaalbestand klopt niet.",
               "The number of payments in the payment file is wrong."),
    ReasonCode("AM20", "Het aantal betalingen in een betaalopdracht klopt niet.",
               "The number of payments in a payment batch is wrong."),
    ReasonCode("AM21", "Het bedrag is hoger dan de bank per keer toestaat.",
               "The amount exceeds the bank's limit per payment."),
    ReasonCode("BE01", "De naam van de ontvanger hoort niet bij dit rekeningnummer.",
               "The recipient's name does not match the account number."),
    ReasonCode("BE04", "Het adres van de ontvanger ontbreekt.",
               "The recipient's address is missing."),
    ReasonCode("BE05", "De bank herkent de gemeente als opdrachtgever niet.",
               "The bank does not recognise the municipality as the sender."),
    ReasonCode("BE06", "De bank kent de klant niet.", "The bank does not know the customer."),
    ReasonCode("BE07", "Het adres van de betaler ontbreekt.", "The payer's address is missing."),
    ReasonCode("CH03", "De uitvoerdatum lag te ver in de toekomst.",
               "The execution date was too far in the future."),
    ReasonCode("CH04", "De uitvoerdatum lag te ver in het verleden.",
               "The execution date was too far in the past."),
    ReasonCode("CNOR", "De bank van de ontvanger is niet bereikbaar voor deze betaling.",
               "The recipient's bank cannot be reached for this payment."),
    ReasonCode("CURR", "De munteenheid klopt niet; er wordt alleen in euro betaald.",
               "The currency is wrong; payments are made in euro only."),
    ReasonCode("CUST", "De betaling is op verzoek van de klant gestopt.",
               "The payment was stopped at the customer's request."),
    ReasonCode("DNOR", "De bank van de betaler is niet bereikbaar voor deze betaling.",
               "The payer's bank cannot be reached for this payment."),
    ReasonCode("DS0H", "De opdracht is niet bevoegd ondertekend.",
               "The instruction was not signed by someone authorised."),
    ReasonCode("DT01", "De datum klopt niet.", "The date is not valid."),
    ReasonCode("DU01", "Het betaalbestand is dubbel aangeboden.",
               "The payment file was sent twice."),
    ReasonCode("DU02", "Een betaalopdracht is dubbel aangeboden.",
               "A payment batch was sent twice."),
    ReasonCode("DU03", "De betaling is dubbel aangeboden.", "The payment was sent twice."),
    ReasonCode("DU04", "Het betalingskenmerk (EndToEndId) is dubbel gebruikt.",
               "The payment reference (EndToEndId) was used twice."),
    ReasonCode("DU05", "Het opdrachtkenmerk (InstrId) is dubbel gebruikt.",
               "The instruction reference (InstrId) was used twice."),
    ReasonCode("DUPL", "De betaling is dubbel verstuurd en teruggehaald.",
               "The payment was sent twice and recalled."),
    ReasonCode("ED05", "De verrekening tussen de banken is mislukt.",
               "Settlement between the banks failed."),
    ReasonCode("ERIN", "De bank stuurde een gegevensverzoek dat niet is beantwoord.",
               "The bank's request for information was not answered."),
    ReasonCode("FF01", "Het betaalbestand heeft een fout formaat.",
               "The payment file has an invalid format."),
    ReasonCode("FF05", "Het soort betaling (local instrument) klopt niet.",
               "The payment type (local instrument) is wrong."),
    ReasonCode("FOCR", "Het geld is teruggestort nadat de gemeente om terugbetaling vroeg.",
               "The money was returned after the municipality asked for it back."),
    ReasonCode("FRAD", "De betaling is teruggehaald wegens vermoedelijke fraude.",
               "The payment was recalled because of suspected fraud."),
    ReasonCode("MD01", "Er is geen machtiging voor deze betaling.",
               "There is no mandate for this payment."),
    ReasonCode("MD06", "De betaler heeft het geld teruggevraagd.",
               "The payer asked for the money back."),
    ReasonCode("MD07", "De rekeninghouder is overleden.",
               "The account holder has died.", _ACCOUNT),
    ReasonCode("MS02", "De ontvanger weigerde de betaling zonder reden te geven.",
               "The recipient refused the payment without giving a reason."),
    ReasonCode("MS03", "De bank weigerde de betaling zonder reden te geven.",
               "The bank refused the payment without giving a reason."),
    ReasonCode("NARR", "Zie de toelichting van de bank.", "See the bank's explanation."),
    ReasonCode("RC01", "De bankcode (BIC) klopt niet.", "The bank code (BIC) is wrong."),
    ReasonCode("RF01", "Het betalingskenmerk is niet uniek in het bestand.",
               "The payment reference is not unique in the file."),
    ReasonCode("RR01", "Gegevens over de rekening van de betaler ontbreken (wettelijke eis).",
               "Details of the payer's account are missing (legal requirement)."),
    ReasonCode("RR02", "Naam of adres van de betaler ontbreekt (wettelijke eis).",
               "The payer's name or address is missing (legal requirement)."),
    ReasonCode("RR03", "Naam of adres van de ontvanger ontbreekt (wettelijke eis).",
               "The recipient's name or address is missing (legal requirement)."),
    ReasonCode("RR04", "Geweigerd om wettelijke redenen.", "Refused for legal reasons."),
    ReasonCode("SL01", "De bank van de ontvanger weigert betalingen van deze betaler.",
               "The recipient's bank refuses payments from this payer."),
    ReasonCode("TECH", "De betaling is teruggehaald na een technische fout.",
               "The payment was recalled after a technical error."),
    ReasonCode("TM01", "De opdracht kwam na de sluitingstijd van de bank binnen.",
               "The instruction arrived after the bank's cut-off time."),
)  # fmt: skip

REASON_CODES: Final[dict[str, ReasonCode]] = {r.code: r for r in _CODES}
ACCOUNT_PROBLEM_CODES: Final = frozenset(r.code for r in _CODES if r.account_problem)


def reason_for(code: str) -> ReasonCode:
    """The catalogue entry of ``code``, or one with a fallback text naming the code."""
    known = REASON_CODES.get(code.strip().upper())
    if known is not None:
        return known
    shown = code.strip() or "?"
    return ReasonCode(shown, UNKNOWN_NL.format(code=shown), UNKNOWN_EN.format(code=shown))


def reason_text(code: str, language: Language = "nl") -> str:
    return reason_for(code).text(language)


def is_account_problem(code: str) -> bool:
    """True when paying the same IBAN again must wait for a check (AC01, AC03, AC04, AC06, MD07)."""
    return code.strip().upper() in ACCOUNT_PROBLEM_CODES
