// The member_view projection: one row per member (what GET {T}/members/{id} returns, with the
// whole dated history so that "as of today" is computed at read time, M4), plus search index
// rows for the member list (q over name, kana, e-mail and member number).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "events/member_history.h"
#include "projections/projection.h"
#include "projections/projection_store.h"

namespace kaiin::projections {

struct MemberRow {
  std::string member_id;
  std::string email;
  std::string member_number;
  events::PersonName name;
  std::optional<events::PostalAddress> address;
  std::string affiliation;
  std::string payment_method;
  bool directory_visible = false;
  Date applied_on = 0;
  Date admitted_on = 0;  // 0 with admitted = false
  bool admitted = false;
  std::vector<events::StatusEntry> statuses;
  std::vector<events::TypeEntry> types;
  uint64_t version = 0;        // the member stream's version (If-Match)
  uint64_t last_position = 0;  // the position of the member's last event
  int64_t outstanding = 0;     // the sum of the member's receivables (issued, unpaid yen)
  int64_t credit = 0;          // the balance of credit:<member>
};

std::string EncodeMemberRow(const MemberRow& row);
bool DecodeMemberRow(std::string_view bytes, MemberRow* row);

class MemberViewProjection final : public Projection {
 public:
  static constexpr std::string_view kName = "member_view";
  std::string_view Name() const override { return kName; }
  // 2: balances; 3: kana, widths folded; 4: kanji variants folded; 5: the row's tail (version,
  // position, balances) fixed width, patched in place by balance events
  uint32_t SchemaVersion() const override { return 5; }
  Status Apply(const events::Envelope& event, Rows& rows) override;
};

// Reads one member (in `at`'s state of the store, if given); false when there is no such member.
Result<bool> ReadMember(const ProjectionStore& store, std::string_view member_id, MemberRow* row,
                        const ProjectionStore::View* at = nullptr);
// The same through a reader opened on kName, for members read in ascending id order.
Result<bool> ReadMember(ProjectionStore::OrderedReader& reader, std::string_view member_id,
                        MemberRow* row);

struct MemberQuery {
  std::string q;                 // prefix of a name, kana, romaji, e-mail or member number
  std::optional<events::MemberStatus> status;  // as of `today`
  std::string member_type;       // as of `today`; empty: any
  // The members' directory (会員検索): only members who chose to be listed (directory_visible)
  // and are members on `today` (active or on leave); q then matches names only, never an
  // e-mail address or a member number.
  bool directory = false;
  std::string affiliation;       // rows whose affiliation holds it (both folded as q); empty: any
  Date today = 0;
  std::string after;             // member id to continue after (the cursor); empty: from the start
  size_t limit = 100;
  const ProjectionStore::View* at = nullptr;  // read in this state of the store; null: now
};

struct MemberPage {
  std::vector<MemberRow> items;
  std::string next_after;  // empty: no more
};

// Members matching the query, ordered by member id. Scans at most a bounded number of rows per
// call: a page may hold fewer than `limit` items and still have a next cursor.
Result<MemberPage> ListMembers(const ProjectionStore& store, const MemberQuery& query);

}  // namespace kaiin::projections
