using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace OneStoreIap
{
    /// <summary>
    /// Reads the control API's small JSON replies into plain values: objects as ordered name/value lists, arrays as
    /// lists, strings, long, double, bool, null. The engine's reader takes ReadOnlyMemory, a type the cmdlet assembly
    /// does not compile against (the engine's dependencies stay out of the cmdlet assembly's references).
    /// </summary>
    internal static class EmulatorJson
    {
        internal sealed class JsonObject : List<KeyValuePair<string, object?>>
        {
            public object? this[string name]
            {
                get
                {
                    foreach (var p in this)
                    {
                        if (p.Key == name) return p.Value;
                    }
                    return null;
                }
            }
        }

        public static object? Parse(byte[] utf8)
        {
            string text = Encoding.UTF8.GetString(utf8);
            int i = 0;
            object? value = ReadValue(text, ref i);
            SkipSpace(text, ref i);
            if (i != text.Length) throw new FormatException("Unexpected text after the JSON value at " + i + ".");
            return value;
        }

        /// <summary>The value as ConvertFrom-Json shows it: objects as PSCustomObjects, arrays as object[].</summary>
        public static object? ToPowerShell(object? value)
        {
            switch (value)
            {
                case JsonObject o:
                    var result = new PSObject();
                    foreach (var p in o) result.Properties.Add(new PSNoteProperty(p.Key, ToPowerShell(p.Value)));
                    return result;
                case List<object?> list:
                    var array = new object?[list.Count];
                    for (int i = 0; i < list.Count; i++) array[i] = ToPowerShell(list[i]);
                    return array;
                default:
                    return value;
            }
        }

        private static void SkipSpace(string s, ref int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) i++;
        }

        private static object? ReadValue(string s, ref int i)
        {
            SkipSpace(s, ref i);
            if (i >= s.Length) throw new FormatException("The JSON text ends early.");
            char c = s[i];
            switch (c)
            {
                case '{':
                {
                    var o = new JsonObject();
                    i++;
                    SkipSpace(s, ref i);
                    if (i < s.Length && s[i] == '}') { i++; return o; }
                    while (true)
                    {
                        SkipSpace(s, ref i);
                        string name = ReadString(s, ref i);
                        SkipSpace(s, ref i);
                        Expect(s, ref i, ':');
                        o.Add(new KeyValuePair<string, object?>(name, ReadValue(s, ref i)));
                        SkipSpace(s, ref i);
                        if (i < s.Length && s[i] == ',') { i++; continue; }
                        Expect(s, ref i, '}');
                        return o;
                    }
                }
                case '[':
                {
                    var list = new List<object?>();
                    i++;
                    SkipSpace(s, ref i);
                    if (i < s.Length && s[i] == ']') { i++; return list; }
                    while (true)
                    {
                        list.Add(ReadValue(s, ref i));
                        SkipSpace(s, ref i);
                        if (i < s.Length && s[i] == ',') { i++; continue; }
                        Expect(s, ref i, ']');
                        return list;
                    }
                }
                case '"':
                    return ReadString(s, ref i);
                case 't':
                    ExpectWord(s, ref i, "true");
                    return true;
                case 'f':
                    ExpectWord(s, ref i, "false");
                    return false;
                case 'n':
                    ExpectWord(s, ref i, "null");
                    return null;
                default:
                {
                    int start = i;
                    while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
                    string number = s.Substring(start, i - start);
                    if (number.Length == 0) throw new FormatException("Unexpected '" + c + "' at " + start + ".");
                    if (long.TryParse(number, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                    return double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture);
                }
            }
        }

        private static void Expect(string s, ref int i, char c)
        {
            if (i >= s.Length || s[i] != c) throw new FormatException("Expected '" + c + "' at " + i + ".");
            i++;
        }

        private static void ExpectWord(string s, ref int i, string word)
        {
            if (string.CompareOrdinal(s, i, word, 0, word.Length) != 0) throw new FormatException("Expected '" + word + "' at " + i + ".");
            i += word.Length;
        }

        private static string ReadString(string s, ref int i)
        {
            Expect(s, ref i, '"');
            var sb = new StringBuilder();
            while (true)
            {
                if (i >= s.Length) throw new FormatException("A JSON string does not end.");
                char c = s[i++];
                if (c == '"') return sb.ToString();
                if (c != '\\') { sb.Append(c); continue; }
                if (i >= s.Length) throw new FormatException("A JSON string does not end.");
                char e = s[i++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'u':
                        if (i + 4 > s.Length) throw new FormatException("A \\u escape ends early.");
                        sb.Append((char)int.Parse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default: sb.Append(e); break;
                }
            }
        }
    }
}
