using System;
using System.Management.Automation;
using System.Security;
using OneStoreIap.Engine;

namespace OneStoreIap.Commands
{
    /// <summary>
    /// -ClientSecret takes a SecureString only; a plain string gets a message that shows how to make one, instead of
    /// PowerShell's "cannot convert" (and the string is not echoed).
    /// </summary>
    [AttributeUsage(AttributeTargets.Property)]
    internal sealed class SecureStringOnlyAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value is string)
            {
                throw new ArgumentTransformationMetadataException(
                    "-ClientSecret takes a SecureString, not a plain string (which would stay readable in history and memory). " +
                    "Use -ClientSecret (Read-Host -AsSecureString), or -ClientSecret (ConvertTo-SecureString $plain -AsPlainText -Force) " +
                    "for a value a script already holds, or -Credential (Get-Credential <client id>); unattended, set ONESTORE_CLIENT_ID " +
                    "and ONESTORE_CLIENT_SECRET and run Connect-OneStore with no credential parameters.");
            }
            return inputData;
        }
    }
}
