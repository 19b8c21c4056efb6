using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace OneStoreIap.Engine
{
    /// <summary>
    /// A JSON object read into plain .NET values, so callers need no JSON library: properties in reply order,
    /// values are <see cref="JsonTreeObject"/>, <c>List&lt;object?&gt;</c>, string, long, double, bool or null.
    /// </summary>
    public sealed class JsonTreeObject
    {
        internal JsonTreeObject(List<KeyValuePair<string, object?>> properties) => Properties = properties;

        public IReadOnlyList<KeyValuePair<string, object?>> Properties { get; }

        /// <summary>The value of the first property of that name (case-sensitive, as JSON is), or null.</summary>
        public object? this[string name]
        {
            get
            {
                foreach (KeyValuePair<string, object?> property in Properties)
                {
                    if (property.Key == name) return property.Value;
                }
                return null;
            }
        }
    }

    /// <summary>Reads and writes JSON as plain .NET values (for the raw request escape hatch).</summary>
    public static class JsonTree
    {
        private static readonly JsonWriterOptions WriterOptions = new JsonWriterOptions
        {
            // Keep non-ASCII text (Korean product ids, payloads) readable; the output is still valid JSON.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        /// <summary>Parses JSON text into plain values; throws <see cref="JsonException"/> on malformed text.</summary>
        public static object? Parse(byte[] utf8)
        {
            using JsonDocument document = JsonDocument.Parse(utf8);
            return Convert(document.RootElement);
        }

        private static object? Convert(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    var properties = new List<KeyValuePair<string, object?>>();
                    foreach (JsonProperty property in element.EnumerateObject())
                        properties.Add(new KeyValuePair<string, object?>(property.Name, Convert(property.Value)));
                    return new JsonTreeObject(properties);
                case JsonValueKind.Array:
                    var items = new List<object?>();
                    foreach (JsonElement item in element.EnumerateArray()) items.Add(Convert(item));
                    return items;
                case JsonValueKind.String:
                    return element.GetString();
                case JsonValueKind.Number:
                    if (element.TryGetInt64(out long l)) return l;
                    if (element.TryGetDecimal(out decimal m)) return m;
                    return element.GetDouble();
                case JsonValueKind.True:
                    return true;
                case JsonValueKind.False:
                    return false;
                default:
                    return null;
            }
        }

        /// <summary>
        /// Writes plain values as JSON: dictionaries (and <see cref="JsonTreeObject"/>) become objects, other
        /// enumerables arrays, numbers and booleans themselves, times ISO 8601, anything else its string.
        /// </summary>
        public static byte[] Serialize(object? value)
        {
            using var stream = new MemoryStream();
            using (var writer = new Utf8JsonWriter(stream, WriterOptions))
            {
                Write(writer, value, 0);
            }
            return stream.ToArray();
        }

        private static void Write(Utf8JsonWriter writer, object? value, int depth)
        {
            if (depth > 64) throw new InvalidOperationException("The value is nested more than 64 levels deep.");
            switch (value)
            {
                case null:
                    writer.WriteNullValue();
                    break;
                case string s:
                    writer.WriteStringValue(s);
                    break;
                case char c:
                    writer.WriteStringValue(c.ToString());
                    break;
                case bool b:
                    writer.WriteBooleanValue(b);
                    break;
                case Enum e:
                    writer.WriteStringValue(e.ToString());
                    break;
                case byte or sbyte or short or ushort or int or uint or long:
                    writer.WriteNumberValue(System.Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case ulong ul:
                    writer.WriteNumberValue(ul);
                    break;
                case float or double:
                    writer.WriteNumberValue(System.Convert.ToDouble(value, CultureInfo.InvariantCulture));
                    break;
                case decimal d:
                    writer.WriteNumberValue(d);
                    break;
                case DateTimeOffset dto:
                    writer.WriteStringValue(dto.ToString("o", CultureInfo.InvariantCulture));
                    break;
                case DateTime dt:
                    writer.WriteStringValue(dt.ToString("o", CultureInfo.InvariantCulture));
                    break;
                case JsonTreeObject tree:
                    writer.WriteStartObject();
                    foreach (var property in tree.Properties)
                    {
                        writer.WritePropertyName(property.Key);
                        Write(writer, property.Value, depth + 1);
                    }
                    writer.WriteEndObject();
                    break;
                case IDictionary dictionary:
                    writer.WriteStartObject();
                    foreach (DictionaryEntry entry in dictionary)
                    {
                        writer.WritePropertyName(System.Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "");
                        Write(writer, entry.Value, depth + 1);
                    }
                    writer.WriteEndObject();
                    break;
                case IEnumerable enumerable:
                    writer.WriteStartArray();
                    foreach (object? item in enumerable) Write(writer, item, depth + 1);
                    writer.WriteEndArray();
                    break;
                default:
                    writer.WriteStringValue(System.Convert.ToString(value, CultureInfo.InvariantCulture));
                    break;
            }
        }
    }
}
