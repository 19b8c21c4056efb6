using System;
using System.Collections.Generic;
using System.Text;

namespace OneStoreIap.Engine
{
    // Routes: the paths of the spec's API, relative to the connection's base URI.
    public sealed partial class OneStoreClient
    {
        /// <summary>The token route (spec: ONE store OAuth, Issue an access token).</summary>
        private const string TokenPath = "/v7/oauth/token";

        private string BuildRawPath(string path, IEnumerable<KeyValuePair<string, string?>>? query)
        {
            if (string.IsNullOrWhiteSpace(path) || path[0] != '/' || path.StartsWith("//", StringComparison.Ordinal)
                || path.IndexOf("://", StringComparison.Ordinal) >= 0 || OneStoreInput.HasControlCharacter(path)
                || path.IndexOf('#') >= 0)
            {
                throw new OneStoreApiException(OneStoreErrorKind.Validation, OneStoreErrorCodes.InvalidPath,
                    $"The path '{Sanitize(path ?? "", 100)}' must be relative to the connection's host and start with '/', e.g. /v7/apps/{{clientId}}/voided-purchases.");
            }
            string filled = path.Replace("{clientId}", _escapedClientId);
            var builder = new StringBuilder(filled);
            if (query != null)
            {
                bool first = filled.IndexOf('?') < 0;
                foreach (var pair in query)
                {
                    builder.Append(first ? '?' : '&');
                    first = false;
                    builder.Append(Uri.EscapeDataString(pair.Key));
                    if (pair.Value != null) builder.Append('=').Append(Uri.EscapeDataString(pair.Value));
                }
            }
            string result = builder.ToString();
            // The result must stay on the connection's host: a token must never be sent elsewhere.
            var absolute = new Uri(_origin + _basePath + result);
            if (!string.Equals(absolute.GetLeftPart(UriPartial.Authority), _origin, StringComparison.OrdinalIgnoreCase))
                throw new OneStoreApiException(OneStoreErrorKind.Validation, OneStoreErrorCodes.InvalidPath, "The path leaves the connection's host.");
            return result;
        }

        private string PurchasePath(string kind, string productId, string purchaseToken, string? action)
        {
            // Path values are percent-encoded as UTF-8 segments, so Korean product ids arrive intact.
            string path = "/v7/apps/" + _escapedClientId + "/purchases/" + kind + "/products/"
                + Uri.EscapeDataString(productId) + "/" + Uri.EscapeDataString(purchaseToken);
            return action == null ? path : path + "/" + action;
        }

        /// <summary>A list query's own checks, before any request (and before a pager starts).</summary>
        private void ValidateListQuery(PurchaseListQuery query)
        {
            ThrowIfDisposed();
            if (query == null) throw new ArgumentNullException(nameof(query));
            OneStoreInput.ValidateMaxResults(query.MaxResults);
            if (query.StartTimeMillis is long s && query.EndTimeMillis is long e && s > e)
                throw new OneStoreApiException(OneStoreErrorKind.Validation, OneStoreErrorCodes.InvalidTimeRange, "The start time is after the end time.");
        }

        private string ListPath(string list, PurchaseListQuery query)
        {
            ValidateListQuery(query);
            var builder = new StringBuilder("/v7/apps/").Append(_escapedClientId).Append('/').Append(list);
            char separator = '?';
            void Add(string name, string value)
            {
                builder.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
                separator = '&';
            }
            var invariant = System.Globalization.CultureInfo.InvariantCulture;
            if (!string.IsNullOrEmpty(query.ContinuationKey)) Add("continuationKey", query.ContinuationKey!);
            if (query.StartTimeMillis is long start) Add("startTime", start.ToString(invariant));
            if (query.EndTimeMillis is long end) Add("endTime", end.ToString(invariant));
            if (query.MaxResults is int max) Add("maxResults", max.ToString(invariant));
            return builder.ToString();
        }
    }
}
