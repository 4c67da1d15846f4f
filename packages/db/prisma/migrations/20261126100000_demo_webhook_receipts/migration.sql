-- The demo webhook receiver's log (apps/api/src/demo/receiver.ts): verified deliveries as received.
-- Not money and not evidence: the receiver keeps only the newest rows per account.

-- CreateTable
CREATE TABLE "demo_webhook_receipts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "account_id" UUID NOT NULL,
    "event_id" TEXT NOT NULL,
    "event_type" TEXT NOT NULL,
    "headers" JSONB NOT NULL,
    "body" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "demo_webhook_receipts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "demo_webhook_receipts_account_id_received_at_idx" ON "demo_webhook_receipts"("account_id", "received_at" DESC);

-- AddForeignKey
ALTER TABLE "demo_webhook_receipts" ADD CONSTRAINT "demo_webhook_receipts_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
