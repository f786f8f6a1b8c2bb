// The RSIT incident types offered in the declare modal, grouped by class as the taxonomy does.
// Read from the machine-readable taxonomy the incident domain ships, so the modal never offers a
// type the domain would reject.
import taxonomy from "../../incidents/rsit-machinev1.json" with { type: "json" };

export interface RsitTypeChoice {
  /** RSIT type id, as `class:<id>` takes it: `phishing`. */
  id: string;
  label: string;
  classId: string;
  classLabel: string;
}

const classLabels = new Map(taxonomy.predicates.map((predicate) => [predicate.value, predicate.expanded]));

export const RSIT_TYPE_CHOICES: readonly RsitTypeChoice[] = taxonomy.values.flatMap((group) =>
  group.entry.map((entry) => ({
    id: entry.value,
    label: entry.expanded,
    classId: group.predicate,
    classLabel: classLabels.get(group.predicate) ?? group.predicate,
  })),
);
