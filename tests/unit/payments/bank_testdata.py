"""Bank feedback on the municipality's March payment file, written by hand in each version.

The municipality (NL66BNGH0123456789) sent GEM-20260302-0001 with batch -B1: rent for
Woonstichting (P000000000001, 700,00) and energy (P000000000002, 140,00). The bank rejects the
rent (account closed, AC04), accepts the energy; the statement books the batch debit and,
two days later, the rent coming back as a return. Imported by module name (see conftest)."""

from __future__ import annotations

from typing import Final

NS: Final = "urn:iso:std:iso:20022:tech:xsd:"


def pain002(version: str) -> bytes:
    v10 = version.endswith(".10")
    exec_date = "<ReqdExctnDt><Dt>2026-03-02</Dt></ReqdExctnDt>" if v10 else (
        "<ReqdExctnDt>2026-03-02</ReqdExctnDt>")  # fmt: skip
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}{version}">
<CstmrPmtStsRpt>
<GrpHdr><MsgId>BNG-PSR-20260303-01</MsgId><CreDtTm>2026-03-03T07:30:00+01:00</CreDtTm></GrpHdr>
<OrgnlGrpInfAndSts><OrgnlMsgId>GEM-20260302-0001</OrgnlMsgId>
<OrgnlMsgNmId>{"pain.001.001.09" if v10 else "pain.001.001.03"}</OrgnlMsgNmId>
<OrgnlNbOfTxs>2</OrgnlNbOfTxs><OrgnlCtrlSum>840.00</OrgnlCtrlSum><GrpSts>PART</GrpSts>
</OrgnlGrpInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>GEM-20260302-0001-B1</OrgnlPmtInfId><PmtInfSts>PART</PmtInfSts>
<TxInfAndSts><StsId>STS-1</StsId><OrgnlInstrId>I-1</OrgnlInstrId>
<OrgnlEndToEndId>P000000000001</OrgnlEndToEndId><TxSts>RJCT</TxSts>
<StsRsnInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Rekening opgeheven</AddtlInf></StsRsnInf>
<OrgnlTxRef><Amt><InstdAmt Ccy="EUR">700.00</InstdAmt></Amt>{exec_date}
<CdtrAcct><Id><IBAN>NL44RABO0123456789</IBAN></Id></CdtrAcct></OrgnlTxRef>
</TxInfAndSts>
<TxInfAndSts><OrgnlEndToEndId>P000000000002</OrgnlEndToEndId><TxSts>ACCP</TxSts></TxInfAndSts>
</OrgnlPmtInfAndSts>
<OrgnlPmtInfAndSts><OrgnlPmtInfId>GEM-20260302-0001-B2</OrgnlPmtInfId><PmtInfSts>RJCT</PmtInfSts>
<StsRsnInf><Rsn><Prtry>X99</Prtry></Rsn></StsRsnInf>
<TxInfAndSts><OrgnlEndToEndId>P000000000003</OrgnlEndToEndId></TxInfAndSts>
</OrgnlPmtInfAndSts>
</CstmrPmtStsRpt>
</Document>
""".encode()


def _party(version: str, role: str, name: str, iban: str) -> str:
    named = f"<Pty><Nm>{name}</Nm></Pty>" if version.endswith(".08") else f"<Nm>{name}</Nm>"
    return f"<{role}>{named}</{role}><{role}Acct><Id><IBAN>{iban}</IBAN></Id></{role}Acct>"


def _entries(version: str) -> str:
    v08 = version.endswith(".08")
    booked = "<Sts><Cd>BOOK</Cd></Sts>" if v08 else "<Sts>BOOK</Sts>"

    def tx_amount(amount: str, direction: str) -> str:
        if v08:
            return f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>'
        return f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>'

    return f"""<Ntry><Amt Ccy="EUR">840.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>{booked}
<BookgDt><Dt>2026-03-02</Dt></BookgDt><ValDt><Dt>2026-03-02</Dt></ValDt>
<AcctSvcrRef>BNG-20260302-000017</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn>
<Prtry><Cd>N541</Cd><Issr>BNG</Issr></Prtry></BkTxCd>
<NtryDtls><Btch><MsgId>GEM-20260302-0001</MsgId><PmtInfId>GEM-20260302-0001-B1</PmtInfId>
<NbOfTxs>2</NbOfTxs><TtlAmt Ccy="EUR">840.00</TtlAmt></Btch>
<TxDtls><Refs><EndToEndId>P000000000001</EndToEndId></Refs>{tx_amount("700.00", "DBIT")}
<RltdPties>{_party(version, "Cdtr", "Woonstichting", "NL44RABO0123456789")}</RltdPties>
<RmtInf><Ustrd>Huur maart</Ustrd><Ustrd>2026</Ustrd></RmtInf></TxDtls>
<TxDtls><Refs><EndToEndId>P000000000002</EndToEndId></Refs>{tx_amount("140.00", "DBIT")}
<RmtInf><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>
</NtryDtls></Ntry>
<Ntry><Amt Ccy="EUR">700.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>true</RvslInd>{booked}
<BookgDt><Dt>2026-03-04</Dt></BookgDt><ValDt><Dt>2026-03-04</Dt></ValDt>
<AcctSvcrRef>BNG-20260304-000003</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>RRTN</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs><MsgId>GEM-20260302-0001</MsgId><AcctSvcrRef>R-77</AcctSvcrRef>
<PmtInfId>GEM-20260302-0001-B1</PmtInfId><InstrId>I-1</InstrId><EndToEndId>P000000000001</EndToEndId></Refs>
{tx_amount("700.00", "CRDT")}
<RltdPties>{_party(version, "Dbtr", "Woonstichting", "NL44RABO0123456789")}</RltdPties>
<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Rekening opgeheven</AddtlInf></RtrInf>
</TxDtls></NtryDtls><AddtlNtryInf>/TRTP/SEPA RETOUR</AddtlNtryInf></Ntry>
"""


def _balance(code: str, amount: str, direction: str, day: str) -> str:
    return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>"
            f'<Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd>'
            f"<Dt><Dt>{day}</Dt></Dt></Bal>")  # fmt: skip


ACCOUNT: Final = "<Acct><Id><IBAN>NL66BNGH0123456789</IBAN></Id><Ccy>EUR</Ccy></Acct>"


def camt053(version: str, entries: str | None = None) -> bytes:
    body = _entries(version) if entries is None else entries
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}{version}">
<BkToCstmrStmt>
<GrpHdr><MsgId>BNG-STMT-20260304</MsgId><CreDtTm>2026-03-05T06:00:00</CreDtTm></GrpHdr>
<Stmt><Id>NL66BNGH0123456789-2026-03-04</Id><ElctrncSeqNb>63</ElctrncSeqNb><LglSeqNb>12</LglSeqNb>
<CreDtTm>2026-03-05T06:00:00</CreDtTm>{ACCOUNT}
{_balance("OPBD", "100.00", "DBIT", "2026-03-01")}
{_balance("CLBD", "240.00", "DBIT", "2026-03-04")}
{body}</Stmt>
</BkToCstmrStmt>
</Document>
""".encode()


def camt054(version: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{NS}{version}">
<BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>BNG-NTF-20260304</MsgId><CreDtTm>2026-03-04T12:00:00Z</CreDtTm></GrpHdr>
<Ntfctn><Id>NTF-2026-03-04-1</Id><CreDtTm>2026-03-04T12:00:00Z</CreDtTm>{ACCOUNT}
{_entries(version)}</Ntfctn>
</BkToCstmrDbtCdtNtfctn>
</Document>
""".encode()
