import { Box } from 'ink';
import type { ScreenView } from '../view-model/view-types.js';
import { ChangesPage } from './changes-page.js';
import { DetailPage } from './detail-page.js';
import { FindingPage } from './finding-page.js';
import { Footer } from './footer.js';
import { GaugesPage } from './gauges-page.js';
import { Header } from './header.js';
import { HelpPage } from './help-page.js';
import { PaneTabs } from './pane-tabs.js';
import { SortMenu } from './sort-menu.js';
import { Table } from './table.js';
import { TooSmall } from './too-small.js';

type Props = {
  screen: ScreenView;
};

function Body({ screen }: Props) {
  const { body } = screen;
  switch (body.kind) {
    case 'table':
      return <Table table={body.table} />;
    case 'detail':
      return <DetailPage detail={body.detail} />;
    case 'finding':
      return <FindingPage finding={body.finding} />;
    case 'help':
      return <HelpPage help={body.help} />;
    case 'changes':
      return <ChangesPage changes={body.changes} />;
    case 'gauges':
      return <GaugesPage gauges={body.gauges} />;
    case 'sortMenu':
      return <SortMenu sortMenu={body.sortMenu} />;
    case 'columnMenu':
      return <SortMenu sortMenu={body.columnMenu} />;
  }
}

/**
 * One whole frame, filling the box it is given (the terminal): header, pane tabs, the body and
 * footer — or only the too-small line. The tabs show only above a table (they name tables), and
 * help takes the whole frame, as htop's does, so that its pages hold more. The body takes the
 * lines left and cuts what does not fit, so the header and footer always show.
 */
export function Screen({ screen }: Props) {
  if (screen.tooSmall !== null) return <TooSmall text={screen.tooSmall} />;
  const { body } = screen;
  return (
    <Box flexDirection="column" flexGrow={1} overflow="hidden">
      {body.kind !== 'help' && <Header header={screen.header} />}
      {body.kind === 'table' && <PaneTabs tabs={screen.tabs} sortLabel={screen.sortLabel} />}
      <Box flexDirection="column" flexGrow={1} flexShrink={1} overflow="hidden">
        <Body screen={screen} />
      </Box>
      <Footer footer={screen.footer} />
    </Box>
  );
}
