import type { GroupView } from '../api/chartkeep';
import { groupLabel } from '../lib/labels';

interface GroupListProps {
  groups: GroupView[];
  selected: string;
  onSelect: (type: string) => void;
}

/** GroupList lists the kinds of record with their counts. */
export function GroupList({ groups, selected, onSelect }: GroupListProps) {
  return (
    <nav className="groups" aria-label="Kinds of record">
      <h2 className="groups-heading">Your records</h2>
      <ul>
        {groups.map((g) => (
          <li key={g.key}>
            <button
              type="button"
              className={`group ${g.key === selected ? 'group-selected' : ''} ${g.count === 0 ? 'group-empty' : ''}`}
              aria-current={g.key === selected ? 'true' : undefined}
              onClick={() => onSelect(g.key)}
            >
              <span className="group-label">{groupLabel(g.key, g.label)}</span>
              <span className="count" aria-label={`${g.count} records`}>
                {g.count.toLocaleString()}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
