// `guichet audit verify`: recomputes the audit log's hash chain from the
// first entry and reports the first entry that was changed, removed or
// inserted. Exit code 0 when the chain holds, 1 when broken, 3 when the
// database cannot be read.
#pragma once

#include "domain/store.hpp"

namespace guichet::app {

int RunAuditVerify(domain::Store& store);

}  // namespace guichet::app
