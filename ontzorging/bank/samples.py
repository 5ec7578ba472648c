"""Bank feedback documents as a bank would send them about our own released
files (EndToEndId OZ-<instruction>, MsgId OZ-B<batch>-<n>, PmtInfId ...-P):
pain.002.001.10, camt.053.001.02 and camt.054.001.02 text. Used by the demo
(one rejected and one returned payment) and by the tests."""

from __future__ import annotations

from dataclasses import dataclass

from ontzorging.domain.money import euro_dot

NS = "urn:iso:std:iso:20022:tech:xsd:"
ACCOUNT_IBAN = "NL66BNGH0123456789"


@dataclass(frozen=True)
class Reject:
    end_to_end_id: str
    code: str
    amount_cents: int | None = None


def pain002_10(
    message_id: str, original_msg_id: str, pmt_inf_id: str, rejects: list[Reject]
) -> str:
    """A pain.002.001.10 rejecting single transfers of one of our files."""
    txs = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{r.end_to_end_id}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
        f"<StsRsnInf><Rsn><Cd>{r.code}</Cd></Rsn></StsRsnInf>"
        + (
            f'<OrgnlTxRef><Amt><InstdAmt Ccy="EUR">{euro_dot(r.amount_cents)}</InstdAmt></Amt>'
            "</OrgnlTxRef>"
            if r.amount_cents is not None
            else ""
        )
        + "</TxInfAndSts>"
        for r in rejects
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-03-27T07:30:00+01:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{original_msg_id}</OrgnlMsgId>
<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>PART</GrpSts></OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>{pmt_inf_id}</OrgnlPmtInfId><PmtInfSts>PART</PmtInfSts>
{txs}</OrgnlPmtInfAndSts>
</CstmrPmtStsRpt></Document>
"""


def pain002_group_reject(message_id: str, original_msg_id: str, code: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}pain.002.001.10"><CstmrPmtStsRpt>
<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-03-27T07:30:00+01:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>{original_msg_id}</OrgnlMsgId>
<OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId><GrpSts>RJCT</GrpSts>
<StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf></OrgnlGrpInfAndSts>
</CstmrPmtStsRpt></Document>
"""


BOOK = "<Sts>BOOK</Sts>"


def batch_debit(ref: str, msg_id: str, pmt_inf_id: str, amount_cents: int, count: int) -> str:
    amount = euro_dot(amount_cents)
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd>{BOOK}
<BookgDt><Dt>2026-03-27</Dt></BookgDt><ValDt><Dt>2026-03-27</Dt></ValDt>
<AcctSvcrRef>{ref}</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><Btch><MsgId>{msg_id}</MsgId><PmtInfId>{pmt_inf_id}</PmtInfId>
<NbOfTxs>{count}</NbOfTxs><TtlAmt Ccy="EUR">{amount}</TtlAmt></Btch></NtryDtls></Ntry>
"""


def return_credit(ref: str, end_to_end_id: str, amount_cents: int, code: str) -> str:
    return f"""<Ntry><Amt Ccy="EUR">{euro_dot(amount_cents)}</Amt><CdtDbtInd>CRDT</CdtDbtInd>
<RvslInd>true</RvslInd>{BOOK}
<BookgDt><Dt>2026-03-30</Dt></BookgDt><ValDt><Dt>2026-03-30</Dt></ValDt>
<AcctSvcrRef>{ref}</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><EndToEndId>{end_to_end_id}</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">{euro_dot(amount_cents)}</Amt></TxAmt></AmtDtls>
<RtrInf><Rsn><Cd>{code}</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>
"""


def other_credit(ref: str, end_to_end_id: str, amount_cents: int) -> str:
    """Money for another system on the same account: not ours, kept as unmatched."""
    return f"""<Ntry><Amt Ccy="EUR">{euro_dot(amount_cents)}</Amt><CdtDbtInd>CRDT</CdtDbtInd>{BOOK}
<BookgDt><Dt>2026-03-30</Dt></BookgDt><ValDt><Dt>2026-03-30</Dt></ValDt>
<AcctSvcrRef>{ref}</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RDDT</Cd><SubFmlyCd>ESDD</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><EndToEndId>{end_to_end_id}</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">{euro_dot(amount_cents)}</Amt></TxAmt></AmtDtls>
</TxDtls></NtryDtls></Ntry>
"""


def _balance(code: str, cents: int, day: str) -> str:
    direction = "DBIT" if cents < 0 else "CRDT"
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
        f'<Amt Ccy="EUR">{euro_dot(abs(cents))}</Amt><CdtDbtInd>{direction}</CdtDbtInd>'
        f"<Dt><Dt>{day}</Dt></Dt></Bal>"
    )


def camt053_02(
    message_id: str,
    statement_id: str,
    sequence: int,
    opening_cents: int,
    closing_cents: int,
    entries: str,
) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-03-31T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>{statement_id}</Id><ElctrncSeqNb>{sequence}</ElctrncSeqNb>
<CreDtTm>2026-03-31T06:00:00</CreDtTm>
<Acct><Id><IBAN>{ACCOUNT_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>
{_balance("OPBD", opening_cents, "2026-03-27")}
{_balance("CLBD", closing_cents, "2026-03-30")}
{entries}</Stmt>
</BkToCstmrStmt></Document>
"""


def camt054_02(message_id: str, entries: str) -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>{message_id}</MsgId><CreDtTm>2026-03-30T12:00:00Z</CreDtTm></GrpHdr>
<Ntfctn><Id>{message_id}-1</Id><CreDtTm>2026-03-30T12:00:00Z</CreDtTm>
<Acct><Id><IBAN>{ACCOUNT_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>
{entries}</Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>
"""
