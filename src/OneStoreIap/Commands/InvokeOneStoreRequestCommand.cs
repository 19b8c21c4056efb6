using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// Invoke-OneStoreRequest: any route, present or future. The connection's host, token and market header are
    /// applied, {clientId} in the path is filled in, and the JSON reply comes back as objects.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "OneStoreRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(PSObject))]
    public sealed class InvokeOneStoreRequestCommand : OneStoreConnectedCmdletBase
    {
        /// <summary>The path relative to the host, e.g. /v7/apps/{clientId}/voided-purchases.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = null!;

        /// <summary>The HTTP method (GET by default).</summary>
        [Parameter]
        [ValidateSet("GET", "POST", "PUT", "PATCH", "DELETE", IgnoreCase = true)]
        public string Method { get; set; } = "GET";

        /// <summary>The JSON body: a JSON string as it is, or a hashtable / object converted to JSON.</summary>
        [Parameter]
        public object? Body { get; set; }

        /// <summary>Query string parameters.</summary>
        [Parameter]
        public IDictionary? Query { get; set; }

        protected override void ProcessRecord()
        {
            OneStoreClient client = GetConnection().Client;
            string method = Method.ToUpperInvariant();
            if (method != "GET" && !ShouldProcess(Path, method)) return;

            byte[]? body = null;
            object? bodyValue = Body is PSObject pso ? pso.BaseObject : Body;
            if (bodyValue is string text) body = Encoding.UTF8.GetBytes(text);
            else if (bodyValue != null) body = JsonTree.Serialize(ToPlain(Body, 0));

            List<KeyValuePair<string, string?>>? query = null;
            if (Query != null)
            {
                query = new List<KeyValuePair<string, string?>>();
                foreach (DictionaryEntry entry in Query)
                {
                    object? value = entry.Value is PSObject p ? p.BaseObject : entry.Value;
                    string? text2 = value switch
                    {
                        null => null,
                        DateTimeOffset dto => dto.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                        DateTime dt => new DateTimeOffset(dt).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
                        bool b => b ? "true" : "false",
                        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
                    };
                    query.Add(new KeyValuePair<string, string?>(Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "", text2));
                }
            }

            object? reply;
            try
            {
                reply = Await(client.SendRawAsync(method, Path, query, body, RequestLog, CancellationToken));
            }
            catch (Exception e) when (!(e is PipelineStoppedException))
            {
                WriteFailure(e, Path);
                return;
            }
            if (reply is List<object?> list)
            {
                foreach (object? item in list) WriteObject(ToPowerShell(item));
            }
            else if (reply != null)
            {
                WriteObject(ToPowerShell(reply));
            }
        }

        /// <summary>JSON values as PowerShell sees ConvertFrom-Json's: objects as PSCustomObjects, arrays as object[].</summary>
        internal static object? ToPowerShell(object? value)
        {
            switch (value)
            {
                case JsonTreeObject tree:
                    var result = new PSObject();
                    foreach (var property in tree.Properties)
                        result.Properties.Add(new PSNoteProperty(property.Key, ToPowerShell(property.Value)));
                    return result;
                case List<object?> list:
                    var array = new object?[list.Count];
                    for (int i = 0; i < list.Count; i++) array[i] = ToPowerShell(list[i]);
                    return array;
                default:
                    return value;
            }
        }

        /// <summary>PowerShell values to plain ones the engine can write as JSON: PSCustomObjects become dictionaries.</summary>
        internal static object? ToPlain(object? value, int depth)
        {
            if (depth > 64) throw new ArgumentException("The body is nested more than 64 levels deep.");
            if (value is PSObject pso)
            {
                object baseObject = pso.BaseObject;
                if (baseObject is PSCustomObject)
                {
                    var dictionary = new OrderedDictionary();
                    foreach (PSPropertyInfo property in pso.Properties)
                        dictionary[property.Name] = ToPlain(property.Value, depth + 1);
                    return dictionary;
                }
                value = baseObject;
            }
            switch (value)
            {
                case null:
                case string _:
                    return value;
                case IDictionary dictionary:
                    var copy = new OrderedDictionary();
                    foreach (DictionaryEntry entry in dictionary) copy[entry.Key] = ToPlain(entry.Value, depth + 1);
                    return copy;
                case IEnumerable enumerable:
                    var items = new List<object?>();
                    foreach (object? item in enumerable) items.Add(ToPlain(item, depth + 1));
                    return items;
                default:
                    return value;
            }
        }
    }
}
