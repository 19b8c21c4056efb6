using System;
using System.Collections.Generic;
using System.Management.Automation;
using OneStoreIap.Engine;

namespace OneStoreIap
{
    /// <summary>What a per-item cmdlet reads from its pipeline object beyond its bound parameters.</summary>
    internal static class PipelineInput
    {
        /// <summary>
        /// A Type cell that PowerShell did not bind (a CSV's "auto-renewal"): binding by property name can leave the
        /// parameter at its default when it cannot convert a value, which would look the purchase up as another type.
        /// Returns the error to report for that item, or null when the input has no such cell or the cell is what bound.
        /// (BoundParameters cannot tell: it keeps a pipeline-bound name from an earlier item.)
        /// </summary>
        public static OneStoreApiException? CheckTypeCell(PSObject? input, OneStoreProductType current, string parameterName, params OneStoreProductType[] accepted)
        {
            if (input == null) return null;
            PSPropertyInfo? property = input.Properties[parameterName];
            object? value = property?.Value;
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            if (value == null || (value is string blank && blank.Trim().Length == 0)) return null;
            OneStoreProductType? parsed = value is OneStoreProductType t ? t
                : value is string text && Enum.TryParse(text.Trim(), true, out OneStoreProductType p) && Enum.IsDefined(typeof(OneStoreProductType), p) ? p
                : (OneStoreProductType?)null;
            if (parsed == current && Array.IndexOf(accepted, current) >= 0) return null;
            var names = new List<string>();
            foreach (OneStoreProductType type in accepted) names.Add(type.ToString());
            var codes = new List<string>();
            foreach (OneStoreProductType type in accepted) codes.Add(SpecCode(type));
            return new OneStoreApiException(OneStoreErrorKind.Validation, "InvalidArgument",
                $"The input's {parameterName} '{Printable(value.ToString())}' is not a product type this cmdlet takes: use {string.Join(", ", names)} " +
                $"(or the spec's codes {string.Join(", ", codes)}). The item was not sent.");
        }

        /// <summary>The input's product type when it has one that parses (a lookup, a list row, a CSV Type column); null otherwise.</summary>
        public static OneStoreProductType? TypeOf(PSObject? input)
        {
            object? value = input?.Properties["Type"]?.Value;
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            if (value is OneStoreProductType type) return type;
            return value is string text ? OutputMapper.ParseProductType(text.Trim()) : null;
        }

        /// <summary>The input's purchase id, when it has one (a list row, a lookup, a CSV PurchaseId column).</summary>
        public static string? PurchaseIdOf(PSObject? input)
        {
            object? value = input?.Properties["PurchaseId"]?.Value;
            if (value is PSObject wrapped) value = wrapped.BaseObject;
            string? text = value?.ToString();
            return string.IsNullOrWhiteSpace(text) ? null : text;
        }

        private static string SpecCode(OneStoreProductType type) => type switch
        {
            OneStoreProductType.Auto => "auto",
            OneStoreProductType.Subscription => "subscription",
            _ => "inapp",
        };

        private static string Printable(string? text)
        {
            if (text == null) return "";
            if (text.Length > 40) text = text.Substring(0, 40) + "...";
            char[] chars = text.ToCharArray();
            for (int i = 0; i < chars.Length; i++) if (char.IsControl(chars[i])) chars[i] = '?';
            return new string(chars);
        }
    }
}
