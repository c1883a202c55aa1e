// Demo data for `make run` and the benchmarks.
#pragma once

#include <cstdint>

#include "core/result.hpp"
#include "core/time.hpp"
#include "domain/case_service.hpp"
#include "domain/store.hpp"

namespace guichet::app {

// Agents of a small commune, and example requests through the CaseService
// when there are none yet. The teams and services come from the catalogue
// `cases` was given (CaseService::InstallCatalogue).
Status SeedDemo(domain::Store& store, domain::CaseService& cases);

// `count` synthetic requests with French text spread over the last year,
// inserted in large transactions (for the 1M-request benchmarks).
Status SeedBulk(domain::Store& store, const domain::Catalogue& catalogue, std::int64_t count,
                Timestamp now);

}  // namespace guichet::app
