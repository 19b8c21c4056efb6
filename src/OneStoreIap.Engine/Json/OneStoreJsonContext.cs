using System;
using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OneStoreIap.Engine.Json
{
    // Source-generated metadata for every reply shape. Reading is tolerant on purpose: unknown fields are ignored,
    // missing or null fields stay null, names match case-insensitively, numbers sent as strings are accepted, and
    // strings sent as numbers too (the spec types priceAmount as String but most times as Long, purchaseId as String
    // but its examples look like numbers, and real replies are not always consistent).
    [JsonSourceGenerationOptions(
        PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        Converters = new[] { typeof(LenientBooleanConverter), typeof(LenientStringConverter) })]
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
        [JsonConverter(typeof(ErrorMemberConverter))]
        public CodeAndMessage? Error { get; set; }
        public CodeAndMessage? Result { get; set; }
        public string? Code { get; set; }
        public string? Message { get; set; }

        /// <summary>OAuth's own error shape (RFC 6749, 5.2): <c>{"error":"invalid_client","error_description":"..."}</c>.</summary>
        [JsonPropertyName("error_description")] public string? ErrorDescription { get; set; }
    }

    internal sealed class CodeAndMessage
    {
        public string? Code { get; set; }
        public string? Message { get; set; }

        /// <summary>True when <see cref="Code"/> came as OAuth's error string, not as ONE store's error object.</summary>
        [JsonIgnore] public bool IsOAuth { get; set; }
    }

    /// <summary>
    /// The <c>error</c> member: ONE store's object (Standard Error Response Specifications), or the string of OAuth's
    /// error shape (RFC 6749, 5.2; the spec's Issue AccessToken section names no error body, and a token endpoint in
    /// front of it may answer in OAuth's). Only an error code as OAuth writes them (lower case and '_') is taken as
    /// one: any other string (a web framework's <c>"error":"Not Found"</c>) fails the envelope, as it always has.
    /// </summary>
    internal sealed class ErrorMemberConverter : JsonConverter<CodeAndMessage?>
    {
        public override bool HandleNull => true;

        public override CodeAndMessage? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null:
                    return null;
                case JsonTokenType.String:
                    string? code = reader.GetString();
                    if (!IsOAuthCode(code)) throw new JsonException("The error member is a string that is not an OAuth error code.");
                    return new CodeAndMessage { Code = code, IsOAuth = true };
                case JsonTokenType.StartObject:
                    var result = new CodeAndMessage();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                    {
                        string? name = reader.GetString();
                        reader.Read();
                        if (string.Equals(name, "code", StringComparison.OrdinalIgnoreCase)) result.Code = LenientStringConverter.ReadText(ref reader);
                        else if (string.Equals(name, "message", StringComparison.OrdinalIgnoreCase)) result.Message = LenientStringConverter.ReadText(ref reader);
                        else reader.Skip();
                    }
                    return result;
                default:
                    throw new JsonException($"Expected ONE store's error object, found {reader.TokenType}.");
            }
        }

        private static bool IsOAuthCode(string? code)
        {
            if (string.IsNullOrEmpty(code) || code!.Length > 64 || code[0] < 'a' || code[0] > 'z') return false;
            foreach (char c in code)
            {
                if (!((c >= 'a' && c <= 'z') || c == '_')) return false;
            }
            return true;
        }

        public override void Write(Utf8JsonWriter writer, CodeAndMessage? value, JsonSerializerOptions options) =>
            throw new NotSupportedException("Error envelopes are read, never written.");
    }

    /// <summary>
    /// Reads strings, and numbers as their exact text (a purchaseId of 20 digits stays 20 digits; the spec types it
    /// String, and its examples look like numbers); writes plain strings.
    /// </summary>
    internal sealed class LenientStringConverter : JsonConverter<string?>
    {
        public override bool HandleNull => true;

        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => ReadText(ref reader);

        internal static string? ReadText(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.Null: return null;
                case JsonTokenType.String: return reader.GetString();
                case JsonTokenType.Number:
                    return System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan.ToArray());
                default:
                    throw new JsonException($"Expected a string, found {reader.TokenType}.");
            }
        }

        public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
        {
            if (value == null) writer.WriteNullValue();
            else writer.WriteStringValue(value);
        }
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
