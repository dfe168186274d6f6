// The words for a stage named on the command line that the pipeline does not have.

/** `unknown stage "ridg"; did you mean "ridge"?` */
export function unknownStageText(error: { readonly name: string; readonly hint?: string | undefined }): string {
  return `unknown stage "${error.name}"${error.hint ? `; ${error.hint}` : ""}`;
}
