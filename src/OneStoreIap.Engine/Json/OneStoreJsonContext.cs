using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OneStoreIap.Engine.Json
{
    // Source-generated metadata for every reply shape. Reading is tolerant on purpose: unknown fields are ignored,
    // missing or null fields stay null, names match case-insensitively, and numbers sent as strings are accepted
    // (the spec types priceAmount as String but most times as Long, and real replies are not always consistent).
    [JsonSourceGenerationOptions(
        PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        Converters = new[] { typeof(LenientBooleanConverter) })]
    [JsonSerializable(typeof(TokenReply))]
    [JsonSerializable(typeof(ErrorEnvelope))]
    [JsonSerializable(typeof(InAppPurchaseDetails))]
    [JsonSerializable(typeof(RecurringPurchaseDetails))]
    [JsonSerializable(typeof(SubscriptionDetails))]
    [JsonSerializable(typeof(VoidedPage))]
    [JsonSerializable(typeof(UnconfirmedPage))]
    internal sealed partial class OneStoreJsonContext : JsonSerializerContext
    {
    }

    /// <summary>The token reply (Issue AccessToken): snake_case names, as the spec writes them.</summary>
    internal sealed class TokenReply
    {
        [JsonPropertyName("client_id")] public string? ClientId { get; set; }
        [JsonPropertyName("access_token")] public string? AccessToken { get; set; }
        [JsonPropertyName("token_type")] public string? TokenType { get; set; }
        [JsonPropertyName("expires_in")] public long? ExpiresIn { get; set; }
        [JsonPropertyName("scope")] public string? Scope { get; set; }
    }

    /// <summary>
    /// Standard Error Response Specifications: <c>{"error":{"code","message"}}</c>; also reads a success reply's
    /// <c>{"result":{"code","message"}}</c> and a bare top-level <c>{"code","message"}</c>.
    /// </summary>
    internal sealed class ErrorEnvelope
    {
        public CodeAndMessage? Error { get; set; }
        public CodeAndMessage? Result { get; set; }
        public string? Code { get; set; }
        public string? Message { get; set; }
    }

    internal sealed class CodeAndMessage
    {
        public string? Code { get; set; }
        public string? Message { get; set; }
    }

    /// <summary>
    /// getVoidedPurchases reply. The spec's example (getVoidedPurchases, Response Body example) spells the list's key
    /// with a trailing space, <c>"voidedPurchaseList "</c>; the field table spells it without. Both are read.
    /// </summary>
    internal sealed class VoidedPage
    {
        public string? ContinuationKey { get; set; }
        public List<VoidedPurchaseItem?>? VoidedPurchaseList { get; set; }
        [JsonPropertyName("voidedPurchaseList ")] public List<VoidedPurchaseItem?>? VoidedPurchaseListSpaced { get; set; }
    }

    /// <summary>
    /// getUnconfirmedPurchases reply; as with the voided list, the spec's example (getUnconfirmedPurchases, Example)
    /// spells the key <c>"unconfirmedPurchaseList "</c> with a trailing space. Both are read.
    /// </summary>
    internal sealed class UnconfirmedPage
    {
        public string? ContinuationKey { get; set; }
        public List<UnconfirmedPurchaseItem?>? UnconfirmedPurchaseList { get; set; }
        [JsonPropertyName("unconfirmedPurchaseList ")] public List<UnconfirmedPurchaseItem?>? UnconfirmedPurchaseListSpaced { get; set; }
    }

    /// <summary>Reads JSON booleans, and also "true"/"false" strings and 0/1 numbers; writes plain booleans.</summary>
    internal sealed class LenientBooleanConverter : JsonConverter<bool>
    {
        public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.True: return true;
                case JsonTokenType.False: return false;
                case JsonTokenType.Number when reader.TryGetInt64(out long n) && (n == 0 || n == 1): return n == 1;
                case JsonTokenType.String:
                    string? s = reader.GetString();
                    if (string.Equals(s, "true", StringComparison.OrdinalIgnoreCase) || s == "1") return true;
                    if (string.Equals(s, "false", StringComparison.OrdinalIgnoreCase) || s == "0") return false;
                    break;
            }
            throw new JsonException($"Expected a boolean, found {reader.TokenType}.");
        }

        public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options) => writer.WriteBooleanValue(value);
    }
}
