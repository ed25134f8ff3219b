// The billing projection: invoices, batches and payments follow the events, through the batches
// the projector writes and through a bulk rebuild alike (A2).
#include "projections/billing.h"

#include <gtest/gtest.h>

#include "ledger/rocks_event_log.h"
#include "tests/projections/build_util.h"
#include "tests/test_util.h"

namespace kaiin::projections {
namespace {

Date D(const char* s) { return *ParseDate(s); }

class BillingTest : public ::testing::Test {
 protected:
  void SetUp() override { log_ = OpenTestLog(dir_.Sub("log")); }

  void Append(const std::string& stream, events::Event e) {
    AppendEvent(log_.get(), stream, std::move(e));
  }

  // A batch of two invoices of 10,000 yen, confirmed and issued.
  void BillTwoMembers() {
    Append("batch-b1", events::InvoiceBatchCreated{"b1", 2026, events::InvoiceCategory::kAnnual,
                                                   "2026年度 年会費", D("2026-04-01"),
                                                   D("2026-05-31"), D("2026-04-01"), 2, 20000});
    for (const char* m : {"m1", "m2"}) {
      events::InvoiceDrafted d;
      d.invoice_id = std::string("i-") + m;
      d.batch_id = "b1";
      d.member_id = m;
      d.fiscal_year = 2026;
      d.title = "2026年度 年会費";
      d.issue_date = D("2026-04-01");
      d.due_date = D("2026-05-31");
      d.member_type = "regular";
      d.fee = d.amount = 10000;
      Append("batch-b1", d);
    }
    Append("batch-b1", events::InvoiceBatchConfirmed{"b1"});
    for (const char* m : {"m1", "m2"}) {
      Append(std::string("member-") + m,
             events::InvoiceIssued{std::string("i-") + m, m, 2026,
                                   events::InvoiceCategory::kAnnual, 10000});
    }
  }

  // Batches of two (rows read back from the store), or one bulk round.
  std::unique_ptr<ProjectionStore> Build(const std::string& name, bool bulk) {
    return BuildFromLog<BillingProjection>(log_.get(), dir_.Sub(name), 2, bulk);
  }
  static std::vector<std::pair<std::string, std::string>> AllRows(const ProjectionStore& s) {
    return projections::AllRows(s, BillingProjection::kName);
  }

  testing::TempDir dir_;
  std::unique_ptr<ledger::RocksEventLog> log_;
};

// Issues, allocations and releases change an invoice's tail, a payment's history and the
// batch's totals; a receipt is made void by a later allocation (R2). Both ways of building the
// projection write the same rows.
TEST_F(BillingTest, AllocationsMoveTheInvoiceThePaymentAndTheBatch) {
  BillTwoMembers();
  Append("payment-p1", events::PaymentRecorded{"p1", "m1", 15000,
                                               events::PaymentMethod::kBankTransfer,
                                               D("2026-04-10"), "S-1"});
  Append("payment-p1", events::PaymentAllocated{"p1", "m1", "i-m1", 2026, 6000});
  Append("member-m1", events::ReceiptIssued{"i-m1", "m1", "R-1", 1, 6000, D("2026-04-11")});
  Append("payment-p1", events::PaymentAllocated{"p1", "m1", "i-m1", 2026, 4000});
  Append("payment-p1", events::AllocationReleased{"p1", "m1", "i-m1", 2026, 1000});
  Append("member-m2", events::PaymentAllocated{"", "m2", "i-m2", 2026, 2500});  // credit, P6
  for (bool bulk : {false, true}) {
    SCOPED_TRACE(bulk ? "bulk" : "batches");
    auto store = Build(bulk ? "bulk" : "batches", bulk);
    InvoiceRow inv;
    ASSERT_TRUE(*ReadInvoice(*store, "i-m1", &inv));
    EXPECT_TRUE(inv.confirmed);
    EXPECT_EQ(inv.batch_id, "b1");
    EXPECT_EQ(inv.amount, 10000);
    EXPECT_EQ(inv.allocated, 9000);  // 6,000 + 4,000 - 1,000
    EXPECT_EQ(inv.receipts, 1u);
    EXPECT_TRUE(inv.receipt_void);  // paid more after the receipt
    EXPECT_EQ(inv.receipt_number, "R-1");
    ASSERT_TRUE(*ReadInvoice(*store, "i-m2", &inv));
    EXPECT_TRUE(inv.confirmed);
    EXPECT_EQ(inv.allocated, 2500);
    EXPECT_FALSE(inv.receipt_void);  // no receipt to void
    PaymentRow pay;
    ASSERT_TRUE(*ReadPayment(*store, "p1", &pay));
    EXPECT_EQ(pay.amount, 15000);
    EXPECT_EQ(pay.settlement_number, "S-1");
    ASSERT_EQ(pay.history.size(), 3u);
    EXPECT_EQ(pay.history[0].kind, "allocated");
    EXPECT_EQ(pay.history[0].amount, 6000);
    EXPECT_EQ(pay.history[2].kind, "released");
    EXPECT_EQ(pay.history[2].amount, 1000);
    EXPECT_EQ(pay.history[2].position, 11u);
    EXPECT_EQ(pay.Current(), (std::vector<std::pair<std::string, int64_t>>{{"i-m1", 9000}}));
    auto batches = ReadBatches(*store, "", 10);
    ASSERT_TRUE(batches.ok());
    ASSERT_EQ(batches->size(), 1u);
    EXPECT_TRUE((*batches)[0].confirmed);
    EXPECT_EQ((*batches)[0].total, 20000);
    EXPECT_EQ((*batches)[0].allocated, 11500);  // 9,000 + 2,500
  }
  EXPECT_EQ(AllRows(*Build("bulk2", true)), AllRows(*Build("batches2", false)));
}

}  // namespace
}  // namespace kaiin::projections
