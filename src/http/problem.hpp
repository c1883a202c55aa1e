// RFC 9457 problem details, and the one table mapping domain error codes to
// HTTP statuses. What the client sees (French title/detail, field errors) is
// separate from what is logged (Error::cause()).
#pragma once

#include <boost/beast/http/status.hpp>
#include <string>

#include "core/result.hpp"

namespace guichet::http {

boost::beast::http::status StatusFor(ErrorCode code);

// The application/problem+json body for an error.
std::string ProblemJson(const Error& error, boost::beast::http::status status,
                        const std::string& instance, const std::string& request_id);

}  // namespace guichet::http
