import PDFDocument from 'pdfkit';
import type { MonthlyStatement, SignedMonthlyStatement } from './monthly-statement';
import { runsOf, subsetSlices } from './pdf-fonts';

/** Labels of the PDF in the two languages of the admin app. */
const LABELS = {
  en: {
    title: 'Monthly statement',
    account: 'Account',
    month: 'Month',
    timeZone: 'Time zone',
    period: 'Period',
    status: 'Status',
    final: 'final',
    provisional: 'provisional (month not closed)',
    issued: 'Issued',
    summary: 'Summary (credits)',
    opening: 'Opening balance',
    topups: 'Top-ups',
    upfront: 'Upfront charges',
    refunds: 'Refunds',
    added: 'Adjustments added',
    removed: 'Adjustments removed',
    closing: 'Closing balance',
    entries: 'Top-ups and adjustments',
    batches: 'Batches',
    row: 'Ledger row',
    date: 'Date',
    type: 'Type',
    credits: 'Credits',
    balance: 'Balance',
    memo: 'Memo',
    batch: 'Batch',
    batchStatus: 'Status',
    refunded: 'Refunded',
    none: 'None.',
    chain: 'Ledger chain',
    openingHead: 'Opening chain head',
    closingHead: 'Closing chain head',
    signature: 'Signature (Ed25519)',
    keyId: 'Key id',
    verify:
      'Check the JSON statement offline: pnpm ledger:verify --statement <file> --public-key <pem>',
  },
  'zh-CN': {
    title: '月度对账单',
    account: '账户',
    month: '月份',
    timeZone: '时区',
    period: '期间',
    status: '状态',
    final: '已结账',
    provisional: '临时（本月尚未结束）',
    issued: '出具时间',
    summary: '汇总（点数）',
    opening: '期初余额',
    topups: '充值',
    upfront: '预扣',
    refunds: '退款',
    added: '调整（增加）',
    removed: '调整（减少）',
    closing: '期末余额',
    entries: '充值与调整',
    batches: '批次',
    row: '账本行',
    date: '日期',
    type: '类型',
    credits: '点数',
    balance: '余额',
    memo: '备注',
    batch: '批次',
    batchStatus: '状态',
    refunded: '退款',
    none: '无。',
    chain: '账本哈希链',
    openingHead: '期初链头',
    closingHead: '期末链头',
    signature: '签名（Ed25519）',
    keyId: '密钥 ID',
    verify: '离线核验 JSON 对账单：pnpm ledger:verify --statement <文件> --public-key <公钥>',
  },
} as const;

export type StatementLanguage = keyof typeof LABELS;

interface TextOp {
  page: number;
  text: string;
  x: number;
  y: number;
  size: number;
  bold?: boolean;
  /** Right-aligned at `x + width`. */
  rightWidth?: number;
}

const MARGIN = 48;
const PAGE_HEIGHT = 842; // A4 in points
const BOTTOM = PAGE_HEIGHT - MARGIN;
const REGULAR = 400;
const BOLD = 700;

const amount = (value: number) => value.toLocaleString('en-US');

/** Lays the statement out as text at positions (pages broken by fixed line heights). */
function layout(s: SignedMonthlyStatement, lang: StatementLanguage): TextOp[] {
  const t = LABELS[lang];
  const ops: TextOp[] = [];
  let page = 0;
  let y = MARGIN;
  const need = (height: number) => {
    if (y + height > BOTTOM) {
      page += 1;
      y = MARGIN;
    }
  };
  const text = (value: string, x: number, size = 9, extra: Partial<TextOp> = {}) =>
    ops.push({ page, text: value, x, y, size, ...extra });
  const heading = (value: string) => {
    need(30);
    y += 8;
    text(value, MARGIN, 12, { bold: true });
    y += 18;
  };

  text(`${t.title} · ${s.month}`, MARGIN, 18, { bold: true });
  y += 30;
  const facts: [string, string][] = [
    [t.account, `${s.account_name} (${s.account_id})`],
    [t.month, s.month],
    [t.timeZone, s.time_zone],
    [t.period, `${s.period_start} – ${s.period_end}`],
    [t.status, s.final ? t.final : t.provisional],
    [t.issued, s.issued_at],
  ];
  for (const [label, value] of facts) {
    text(label, MARGIN, 9, { bold: true });
    text(value, MARGIN + 110, 9);
    y += 14;
  }

  heading(t.summary);
  const summary: [string, number, boolean?][] = [
    [t.opening, s.opening_balance, true],
    [t.topups, s.totals.topup_credits],
    [t.upfront, s.totals.upfront_credits],
    [t.refunds, s.totals.refunded_credits],
    [t.added, s.totals.adjustment_added_credits],
    [t.removed, s.totals.adjustment_removed_credits],
    [t.closing, s.closing_balance, true],
  ];
  for (const [label, value, strong] of summary) {
    text(label, MARGIN, 10, { bold: strong === true });
    text(amount(value), MARGIN + 180, 10, { bold: strong === true, rightWidth: 120 });
    y += 15;
  }

  const table = (
    title: string,
    columns: { label: string; x: number; right?: number }[],
    rows: string[][],
  ) => {
    heading(title);
    if (rows.length === 0) {
      text(t.none, MARGIN, 9);
      y += 14;
      return;
    }
    const header = () => {
      for (const c of columns)
        text(c.label, c.x, 8, { bold: true, ...(c.right ? { rightWidth: c.right } : {}) });
      y += 13;
    };
    header();
    for (const row of rows) {
      if (y + 12 > BOTTOM) {
        need(12);
        header();
      }
      columns.forEach((c, i) => {
        text(row[i] ?? '', c.x, 8, c.right ? { rightWidth: c.right } : {});
      });
      y += 12;
    }
  };

  table(
    t.entries,
    [
      { label: t.row, x: MARGIN },
      { label: t.date, x: MARGIN + 50 },
      { label: t.type, x: MARGIN + 170 },
      { label: t.credits, x: MARGIN + 230, right: 60 },
      { label: t.balance, x: MARGIN + 295, right: 60 },
      { label: t.memo, x: MARGIN + 370 },
    ],
    s.entries.map((e) => [
      e.ledger_row_id,
      e.created_at.replace('T', ' ').slice(0, 19),
      e.type,
      e.credits_delta > 0 ? `+${amount(e.credits_delta)}` : amount(e.credits_delta),
      amount(e.balance_after),
      (e.memo ?? '').slice(0, 40),
    ]),
  );

  table(
    t.batches,
    [
      { label: t.batch, x: MARGIN },
      { label: t.date, x: MARGIN + 200 },
      { label: t.batchStatus, x: MARGIN + 310 },
      { label: t.upfront, x: MARGIN + 360, right: 60 },
      { label: t.refunded, x: MARGIN + 430, right: 60 },
    ],
    s.batches.map((b) => [
      b.batch_id,
      b.created_at.replace('T', ' ').slice(0, 19),
      b.status,
      amount(b.upfront_credits),
      amount(b.refunded_credits),
    ]),
  );

  heading(t.chain);
  for (const [label, head] of [
    [t.openingHead, s.opening_chain_head],
    [t.closingHead, s.chain_head],
  ] as const) {
    need(28);
    text(label, MARGIN, 9, { bold: true });
    text(
      head
        ? `#${head.ledger_row_id} · ${t.balance} ${amount(head.balance_after)} · ${head.created_at}`
        : t.none,
      MARGIN + 110,
      9,
    );
    y += 12;
    if (head) text(head.row_hash, MARGIN + 110, 7);
    y += 14;
  }

  heading(t.signature);
  need(40);
  text(t.keyId, MARGIN, 9, { bold: true });
  text(s.signature.key_id, MARGIN + 110, 9);
  y += 13;
  text(s.signature.value, MARGIN, 7);
  y += 14;
  text(t.verify, MARGIN, 7);
  return ops;
}

/**
 * The statement as a PDF: the same figures as its JSON (the signed one), in English or Chinese,
 * with Noto Sans SC embedded as subsets (any account name or memo in Chinese draws correctly).
 * The PDF's bytes are signed like the CSV's, in the download's `X-Batchreel-Signature` header.
 */
export async function monthlyStatementPdf(
  statement: SignedMonthlyStatement,
  lang: StatementLanguage = 'en',
): Promise<Buffer> {
  const ops = layout(statement, lang);
  const chars = new Map<string, Map<string, Set<string>>>();
  for (const op of ops) {
    const key = op.bold ? 'bold' : 'regular';
    const byWeight = chars.get(key) ?? new Map<string, Set<string>>();
    chars.set(key, byWeight);
    for (const run of runsOf(op.text)) {
      if (!run.slice) continue;
      const set = byWeight.get(run.slice) ?? new Set<string>();
      for (const char of run.text) set.add(char);
      byWeight.set(run.slice, set);
    }
  }
  const fonts = {
    regular: await subsetSlices(chars.get('regular') ?? new Map(), REGULAR),
    bold: await subsetSlices(chars.get('bold') ?? new Map(), BOLD),
  };

  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    info: {
      Title: `Batchreel statement ${statement.account_name} ${statement.month}`,
      Author: 'Batchreel',
    },
  });
  for (const [weight, slices] of Object.entries(fonts)) {
    for (const [slice, buffer] of slices) doc.registerFont(`${weight}:${slice}`, buffer);
  }
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });

  let page = 0;
  for (const op of ops) {
    while (page < op.page) {
      doc.addPage();
      page += 1;
    }
    const weight = op.bold ? 'bold' : 'regular';
    const runs = runsOf(op.text).map((run) => ({
      ...run,
      font: run.slice && fonts[weight].has(run.slice) ? `${weight}:${run.slice}` : null,
    }));
    doc.fontSize(op.size);
    const widthOf = (run: (typeof runs)[number]) => {
      if (run.font) doc.font(run.font);
      return run.font ? doc.widthOfString(run.text) : 0;
    };
    let x = op.x;
    if (op.rightWidth !== undefined) {
      const width = runs.reduce((sum, run) => sum + widthOf(run), 0);
      x = op.x + op.rightWidth - width;
    }
    for (const run of runs) {
      if (!run.font) continue;
      doc.font(run.font);
      doc.text(run.text, x, op.y, { lineBreak: false });
      x += doc.widthOfString(run.text);
    }
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

export type { MonthlyStatement };
